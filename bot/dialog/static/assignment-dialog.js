/*
 * "Fixing paper assignments": a dialog for ACL Anthology author pages.
 *
 * Self-contained (no build step, no dependencies). Drop it into an author page
 * together with assignment-dialog.css and:
 *
 *   <button type="button" data-assignment-dialog-open>Fixing paper assignments</button>
 *   <script type="application/json" id="author-page-data">{...}</script>
 *   <script src="assignment-dialog.js" defer></script>
 *
 * The JSON object is described in bot/author_page.py (page, person, papers with
 * their printed authors and the slot of this page's person, repo, issue_form,
 * existing_pages and an optional suggest_url). The user ticks papers, chooses
 * whom they belong to, and the dialog's last button is a link that opens the
 * "Fix paper assignment" issue form on GitHub, pre-filled (input and textarea
 * ids only, as GitHub documents: author_page, papers, target_page, name, orcid,
 * institution, notes; the assign_to dropdown is left for the form to infer).
 *
 * window.AnthologyAssignmentDialog exposes open(), close(), and the pure helpers
 * (normalizeOrcid, parsePageReference, buildIssueUrl) for tests and embedding.
 */
(function () {
  "use strict";

  var DATA_ELEMENT_ID = "author-page-data";
  var OPEN_SELECTOR = "[data-assignment-dialog-open]";
  var ANTHOLOGY = "https://aclanthology.org";

  /* The dropdown options of the issue form, exactly as in its template. */
  var CHOICES = {
    existing: "An existing author page",
    "new": "A new author page for this person",
    unverified: "No author page (unverified)"
  };

  var FOCUSABLE =
    'a[href], a[tabindex], button:not([disabled]), input:not([disabled]), ' +
    'textarea:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"])';

  /* ------------------------------------------------------------------ */
  /* Pure helpers                                                         */
  /* ------------------------------------------------------------------ */

  function safeDecode(text) {
    try {
      return decodeURIComponent(text);
    } catch (error) {
      return text;
    }
  }

  /** The ISO 7064 mod 11-2 check character for the first 15 digits of an ORCID iD. */
  function orcidCheckDigit(digits) {
    var total = 0;
    for (var i = 0; i < digits.length; i++) {
      total = (total + Number(digits[i])) * 2;
    }
    var result = (12 - (total % 11)) % 11;
    return result === 10 ? "X" : String(result);
  }

  /**
   * Read an ORCID iD as people paste it (bare, URL, lowercase x, spaces).
   * Returns {status, value, message}: status is "empty", "partial" (still being
   * typed), "invalid" or "valid"; value is the canonical iD when valid.
   */
  function normalizeOrcid(text) {
    var value = String(text || "").trim().replace(/^[<>`"']+|[<>`"']+$/g, "");
    if (!value) {
      return { status: "empty", value: "", message: "" };
    }
    value = value.replace(/^orcid(?:\s*id)?(?:\s*:\s*|\s+)/i, "");
    var url = value.match(/^(?:https?:\/\/)?(?:www\.)?orcid\.org\/(.*)$/i);
    if (url) {
      var query = url[1].match(/[?&]orcid=([^&#]*)/i);
      value = query ? safeDecode(query[1]) : url[1].split(/[?#]/)[0].replace(/\/+$/, "");
    }
    value = value.trim().replace(/[\s\-\u2010-\u2015\u2212]+/g, "-").toUpperCase();
    var digits = value.replace(/-/g, "");
    var misplacedX = digits.indexOf("X") >= 0 && digits.indexOf("X") !== 15;
    if (!/^[0-9]{0,15}[0-9X]?$/.test(digits) || !/^[0-9X-]*$/.test(value) || misplacedX) {
      return {
        status: "invalid",
        value: "",
        message: "An ORCID iD has 16 digits in four groups of four (the last may be X)."
      };
    }
    if (digits.length < 16) {
      return {
        status: "partial",
        value: "",
        message: "Incomplete: an ORCID iD has 16 digits in four groups of four."
      };
    }
    var expected = orcidCheckDigit(digits.slice(0, 15));
    if (digits[15] !== expected) {
      return {
        status: "invalid",
        value: "",
        // Never the digit to type: that would make a mistyped iD someone else's valid one.
        message:
          "This is not a valid ORCID iD: a digit is mistyped or missing. Please copy your " +
          "iD from your ORCID record (https://orcid.org/) rather than typing it."
      };
    }
    var canonical = digits.replace(/^(.{4})(.{4})(.{4})(.{4})$/, "$1-$2-$3-$4");
    if (canonical === "0000-0002-1825-0097") {  // ORCID's documented example (the placeholder)
      return {
        status: "invalid",
        value: "",
        message:
          "This is the example iD from ORCID's documentation, not yours. Please copy your " +
          "own iD from your ORCID record (https://orcid.org/)."
      };
    }
    return { status: "valid", value: canonical, message: "Valid ORCID iD: " + canonical };
  }

  /**
   * An author page id from an address or id as people paste it:
   * https://aclanthology.org/people/jane-doe/, /people/j/jane-doe/ (old),
   * .../jane-doe/unverified/, or the bare id. Null if the text is neither.
   * Bare text counts as an id only if it has a hyphen (a name like "Kai" does not).
   */
  function parsePageReference(text) {
    var value = String(text || "").trim().replace(/^[<>`"']+|[<>`"']+$/g, "");
    var url = value.match(
      /^(?:https?:\/\/)?(?:[\w.-]+\.)?aclanthology\.org\/(?:[^\s\/]+\/)*?people\/(?:[a-z]\/)?([a-z0-9][-a-z0-9]*)(\/unverified)?\/?(?:[?#]\S*)?$/i
    );
    if (url) {
      return url[1].toLowerCase() + (url[2] ? "/unverified" : "");
    }
    var bare = value.replace(/\/+$/, "").toLowerCase();
    if (/^[a-z0-9]+(?:-[a-z0-9]+)+(?:\/unverified)?$/.test(bare)) {
      return bare;
    }
    return null;
  }

  function pageUrl(page) {
    return ANTHOLOGY + "/people/" + page + "/";
  }

  /** Lowercase words without accents, for matching what people type against names. */
  function words(text) {
    var folded = String(text || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    return folded.match(/[\p{L}\p{N}]+/gu) || [];
  }

  /** Whether a typeahead entry {id, name} matches the typed text. */
  function entryMatches(entry, query) {
    var typed = words(query);
    if (!typed.length) {
      return false;
    }
    var nameWords = words(entry.name);
    var prefixes = typed.every(function (w) {
      return nameWords.some(function (n) { return n.indexOf(w) === 0; });
    });
    return prefixes || entry.id.indexOf(typed.join("-")) >= 0;
  }

  /** The name to prefill: "First Last", or "Last, First" when the last name has spaces. */
  function displayName(person) {
    if (!person || !person.last) {
      return (person && person.name) || "";
    }
    if (!person.first) {
      return person.last;
    }
    return /\s/.test(person.last) ? person.last + ", " + person.first : person.first + " " + person.last;
  }

  /**
   * The GitHub "new issue" link for a complete request.
   * request: {page, papers: [ids], kind, targetPage, name, orcid, institution, notes}.
   */
  function buildIssueUrl(data, request) {
    var form = data.issue_form || {};
    var params = [
      ["template", form.template || "fix-paper-assignment.yml"],
      ["title", (form.title || "Paper assignment: {page}").replace("{page}", request.page)],
      ["author_page", pageUrl(request.page)],
      ["papers", request.papers.join("\n")]
    ];
    /* GitHub documents pre-filling by link for input and textarea fields only, so
       the "Assign these papers to" dropdown is left alone: the target fields say it
       (a page link, a new person's name and ORCID iD, or "No author page"). */
    if (request.kind === "existing") {
      params.push(["target_page", pageUrl(request.targetPage)]);
    } else if (request.kind === "unverified") {
      params.push(["target_page", CHOICES.unverified]);
    } else if (request.kind === "new") {
      params.push(["name", request.name], ["orcid", request.orcid], ["institution", request.institution]);
    }
    params.push(["notes", request.notes]);
    var query = params
      .filter(function (p) { return p[1]; })
      .map(function (p) { return p[0] + "=" + encodeURIComponent(p[1]); })
      .join("&");
    var base = (form.base || "https://github.com").replace(/\/+$/, "");
    return base + "/" + data.repo + "/issues/new?" + query;
  }

  /* ------------------------------------------------------------------ */
  /* DOM helpers                                                          */
  /* ------------------------------------------------------------------ */

  /** Create an element: h("p", {class: "x", id: "y"}, ["text", child]). */
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) {
        return;
      }
      if (key.indexOf("on") === 0) {
        el.addEventListener(key.slice(2), value);
      } else {
        el.setAttribute(key, value === true ? "" : value);
      }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return el;
  }

  function isVisible(el) {
    return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  /* ------------------------------------------------------------------ */
  /* The dialog                                                           */
  /* ------------------------------------------------------------------ */

  function AssignmentDialog(data) {
    this.data = data;
    this.page = data.page;
    this.papers = data.papers || [];
    this.form = data.issue_form || {};
    this.unverifiedPage = /\/unverified$/.test(this.page);
    this.state = {
      kind: null,
      chosen: null, /* the typeahead entry picked from the list */
      touched: {},
      attempted: false
    };
    this.known = {};
    (data.existing_pages || []).forEach(function (entry) {
      this.known[entry.id] = entry;
    }, this);
    this.options = []; /* the suggestions shown */
    this.activeIndex = -1; /* the highlighted one */
    this.fetchCounter = 0;
    this.fetchTimer = null;
    this.opener = null;
    this.build();
    this.update();
  }

  AssignmentDialog.prototype.build = function () {
    this.el = {};
    var dialog = h("dialog", {
      class: "apd-dialog",
      id: "apd-dialog",
      "aria-labelledby": "apd-title",
      "aria-describedby": "apd-intro"
    });
    dialog.appendChild(this.buildHeader());
    var body = h("div", { class: "apd-body" }, [
      h("p", { id: "apd-intro", class: "apd-intro" }, [
        "Please select all papers that belong to the same person. ",
        "Indicate below which author they should be assigned to."
      ]),
      this.buildPapers(),
      this.buildTarget(),
      this.buildNotes(),
      h("p", { class: "apd-hint apd-next", id: "apd-next" }, [
        "The button below opens the issue form on GitHub in a new tab, filled in (you need a GitHub account). ",
        "Check it, tick the confirmation and click \u201cCreate\u201d: a bot answers with a plan, and Anthology staff review the change."
      ])
    ]);
    dialog.appendChild(body);
    dialog.appendChild(this.buildFooter());
    dialog.addEventListener("keydown", this.onKeydown.bind(this));
    dialog.addEventListener("close", this.onClosed.bind(this));
    dialog.addEventListener("click", this.onBackdropClick.bind(this));
    this.el.dialog = dialog;
    document.body.appendChild(dialog);
  };

  AssignmentDialog.prototype.buildHeader = function () {
    return h("div", { class: "apd-header" }, [
      h("h2", { id: "apd-title", class: "apd-title" }, ["Fixing paper assignments"]),
      h("button", {
        type: "button",
        class: "apd-close",
        "aria-label": "Close",
        title: "Close (Esc)",
        onclick: this.close.bind(this)
      }, ["\u00d7"])
    ]);
  };

  /* -- papers ---------------------------------------------------------- */

  AssignmentDialog.prototype.buildPapers = function () {
    var self = this;
    var name = (this.data.person && this.data.person.name) || this.page;
    this.el.count = h("span", { class: "apd-count", id: "apd-count", "aria-live": "polite" });
    this.el.papersError = h("p", { class: "apd-error", id: "apd-papers-error", hidden: true });
    this.el.checkboxes = [];
    var list = h("ul", { class: "apd-paper-list" });
    this.papers.forEach(function (paper, i) {
      list.appendChild(self.buildPaper(paper, i));
    });
    if (!this.papers.length) {
      list.appendChild(h("li", { class: "apd-empty" }, ["There are no papers on this page."]));
    }
    return h("fieldset", { class: "apd-section apd-papers", "aria-describedby": "apd-count apd-papers-error" }, [
      h("legend", {}, ["Papers on the page of " + name]),
      h("div", { class: "apd-toolbar" }, [
        h("button", { type: "button", class: "apd-link-button", id: "apd-select-all", onclick: function () { self.selectAll(true); } }, ["Select all"]),
        h("button", { type: "button", class: "apd-link-button", id: "apd-select-none", onclick: function () { self.selectAll(false); } }, ["Select none"]),
        this.el.count
      ]),
      list,
      this.el.papersError
    ]);
  };

  AssignmentDialog.prototype.buildPaper = function (paper, i) {
    var id = "apd-paper-" + i;
    var box = h("input", {
      type: "checkbox",
      id: id,
      value: paper.id,
      "aria-describedby": id + "-meta",
      onchange: this.onPaperChange.bind(this)
    });
    this.el.checkboxes.push(box);
    var authors = h("span", { class: "apd-authors" });
    (paper.authors || []).forEach(function (author, j) {
      if (j) {
        authors.appendChild(document.createTextNode(", "));
      }
      authors.appendChild(j === paper.slot ? h("strong", {}, [author]) : document.createTextNode(author));
    });
    var where = [paper.venue, paper.year].filter(Boolean).join(" ");
    var meta = h("span", { class: "apd-paper-meta", id: id + "-meta" }, [
      authors,
      paper.role === "editor" ? " (editors)" : null,
      h("span", { class: "apd-paper-where" }, [(where ? where + " \u00b7 " : "") + paper.id])
    ]);
    return h("li", { class: "apd-paper" }, [
      box,
      h("label", { for: id }, [h("span", { class: "apd-paper-title" }, [paper.title]), meta])
    ]);
  };

  /* -- target ---------------------------------------------------------- */

  AssignmentDialog.prototype.buildTarget = function () {
    this.el.radios = {};
    this.el.panels = {};
    this.el.kindError = h("p", { class: "apd-error", id: "apd-kind-error", hidden: true });
    var unverifiedNote = this.unverifiedPage
      ? "Not available here: these papers are already on an unverified page."
      : "The papers leave this page and are listed under the name printed on them, without an author page.";
    return h("fieldset", { class: "apd-section apd-target", "aria-describedby": "apd-kind-error" }, [
      h("legend", {}, ["Whom do the selected papers belong to?"]),
      this.buildChoice("existing", this.buildExistingPanel()),
      this.buildChoice("new", this.buildNewPanel()),
      this.buildChoice("unverified", h("p", { class: "apd-hint", id: "apd-unverified-hint" }, [unverifiedNote]), this.unverifiedPage),
      this.el.kindError
    ]);
  };

  AssignmentDialog.prototype.buildChoice = function (kind, panel, disabled) {
    var id = "apd-kind-" + kind;
    var radio = h("input", {
      type: "radio",
      name: "apd-kind",
      id: id,
      value: kind,
      disabled: !!disabled,
      "aria-describedby": kind === "unverified" ? "apd-unverified-hint" : null,
      onchange: this.onKindChange.bind(this)
    });
    this.el.radios[kind] = radio;
    /* The unverified choice only has a hint, which stays visible. */
    var wrapper = h("div", { class: "apd-panel", id: id + "-panel", hidden: kind !== "unverified" }, [panel]);
    this.el.panels[kind] = wrapper;
    return h("div", { class: "apd-choice" + (disabled ? " apd-choice-disabled" : "") }, [
      h("div", { class: "apd-choice-row" }, [radio, h("label", { for: id }, [CHOICES[kind]])]),
      wrapper
    ]);
  };

  AssignmentDialog.prototype.buildExistingPanel = function () {
    this.el.combo = h("input", {
      type: "text",
      id: "apd-target-page",
      class: "apd-input",
      role: "combobox",
      autocomplete: "off",
      spellcheck: "false",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": "apd-suggestions",
      "aria-describedby": "apd-target-hint apd-target-status apd-target-error",
      oninput: this.onComboInput.bind(this),
      onkeydown: this.onComboKeydown.bind(this),
      onblur: this.onComboBlur.bind(this)
    });
    this.el.listbox = h("ul", { class: "apd-listbox", id: "apd-suggestions", role: "listbox", "aria-label": "Author pages", hidden: true });
    this.el.targetStatus = h("p", { class: "apd-status", id: "apd-target-status", "aria-live": "polite" });
    this.el.targetError = h("p", { class: "apd-error", id: "apd-target-error", hidden: true });
    return h("div", { class: "apd-field" }, [
      h("label", { for: "apd-target-page" }, ["Author page of this person"]),
      h("p", { class: "apd-hint", id: "apd-target-hint" }, [
        "Type their name and choose them from the list, or paste the address of their author page."
      ]),
      h("div", { class: "apd-combo" }, [this.el.combo, this.el.listbox]),
      this.el.targetStatus,
      this.el.targetError
    ]);
  };

  AssignmentDialog.prototype.buildNewPanel = function () {
    this.el.name = h("input", {
      type: "text", id: "apd-name", class: "apd-input", autocomplete: "name",
      value: displayName(this.data.person), "aria-describedby": "apd-name-hint",
      oninput: this.update.bind(this)
    });
    this.el.orcid = h("input", {
      type: "text", id: "apd-orcid", class: "apd-input", inputmode: "text", autocomplete: "off",
      spellcheck: "false", placeholder: "0000-0002-1825-0097", "aria-required": "true",
      "aria-describedby": "apd-orcid-hint apd-orcid-status",
      oninput: this.update.bind(this),
      onblur: this.touch.bind(this, "orcid")
    });
    this.el.orcidStatus = h("p", { class: "apd-status", id: "apd-orcid-status", "aria-live": "polite" });
    this.el.institution = h("input", {
      type: "text", id: "apd-institution", class: "apd-input", autocomplete: "organization",
      "aria-describedby": "apd-institution-hint", oninput: this.update.bind(this)
    });
    return h("div", { class: "apd-fields" }, [
      h("div", { class: "apd-field" }, [
        h("label", { for: "apd-name" }, ["Name"]),
        h("p", { class: "apd-hint", id: "apd-name-hint" }, [
          "As printed on the papers. Write \u201cLast, First\u201d if the last name has several words."
        ]),
        this.el.name
      ]),
      h("div", { class: "apd-field" }, [
        h("label", { for: "apd-orcid" }, ["ORCID iD (required)"]),
        h("p", { class: "apd-hint", id: "apd-orcid-hint" }, [
          "The person\u2019s iD or the address of their ORCID record. No ORCID iD yet? ",
          h("a", { href: "https://orcid.org/register", target: "_blank", rel: "noopener" }, ["Get one for free"]),
          "."
        ]),
        this.el.orcid,
        this.el.orcidStatus
      ]),
      h("div", { class: "apd-field" }, [
        h("label", { for: "apd-institution" }, ["Institution of highest (anticipated) degree"]),
        h("p", { class: "apd-hint", id: "apd-institution-hint" }, [
          "Optional; helps tell people with the same name apart."
        ]),
        this.el.institution
      ])
    ]);
  };

  AssignmentDialog.prototype.buildNotes = function () {
    this.el.notes = h("textarea", {
      id: "apd-notes", class: "apd-input apd-notes", rows: "2", oninput: this.update.bind(this)
    });
    return h("div", { class: "apd-section apd-field" }, [
      h("label", { for: "apd-notes" }, ["Anything else staff should know (optional)"]),
      this.el.notes
    ]);
  };

  AssignmentDialog.prototype.buildFooter = function () {
    this.el.summary = h("div", { class: "apd-summary", id: "apd-summary", role: "status", "aria-live": "polite" });
    this.el.submit = h("a", {
      class: "apd-button apd-submit",
      id: "apd-submit",
      target: "_blank",
      rel: "noopener",
      role: "link",
      tabindex: "0",
      "aria-describedby": "apd-summary apd-next",
      onclick: this.onSubmitClick.bind(this),
      onkeydown: this.onSubmitKeydown.bind(this)
    }, ["Open the issue on GitHub"]);
    return h("div", { class: "apd-footer" }, [
      this.el.summary,
      h("div", { class: "apd-actions" }, [
        h("button", { type: "button", class: "apd-button apd-secondary", onclick: this.close.bind(this) }, ["Cancel"]),
        this.el.submit
      ])
    ]);
  };

  /* -- opening and closing --------------------------------------------- */

  AssignmentDialog.prototype.open = function (opener) {
    this.opener = opener || document.activeElement;
    var dialog = this.el.dialog;
    if (typeof dialog.showModal === "function") {
      dialog.showModal();
    } else {
      dialog.setAttribute("open", "");
      dialog.classList.add("apd-fallback-open");
    }
    document.documentElement.classList.add("apd-noscroll");
    var first = this.el.checkboxes[0] || this.focusables()[0];
    if (first) {
      first.focus();
    }
  };

  AssignmentDialog.prototype.close = function () {
    var dialog = this.el.dialog;
    if (typeof dialog.close === "function" && dialog.open) {
      dialog.close();
    } else {
      dialog.removeAttribute("open");
      dialog.classList.remove("apd-fallback-open");
      this.onClosed();
    }
  };

  AssignmentDialog.prototype.onClosed = function () {
    this.closeList();
    document.documentElement.classList.remove("apd-noscroll");
    if (this.opener && typeof this.opener.focus === "function") {
      this.opener.focus();
    }
  };

  AssignmentDialog.prototype.onBackdropClick = function (event) {
    /* A click on the backdrop reaches the <dialog> element itself. */
    if (event.target !== this.el.dialog) {
      return;
    }
    var box = this.el.dialog.getBoundingClientRect();
    var inside = event.clientX >= box.left && event.clientX <= box.right &&
      event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) {
      this.close();
    }
  };

  AssignmentDialog.prototype.focusables = function () {
    return Array.prototype.filter.call(this.el.dialog.querySelectorAll(FOCUSABLE), function (el) {
      return isVisible(el) && !el.closest("[hidden]");
    });
  };

  /** Keep Tab inside the dialog; Esc closes it (the typeahead's list first). */
  AssignmentDialog.prototype.onKeydown = function (event) {
    if (event.key === "Escape" && !event.defaultPrevented) {
      event.preventDefault();
      this.close();
      return;
    }
    if (event.key !== "Tab") {
      return;
    }
    var items = this.focusables();
    if (!items.length) {
      return;
    }
    var first = items[0];
    var last = items[items.length - 1];
    var active = document.activeElement;
    if (event.shiftKey && (active === first || !this.el.dialog.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !this.el.dialog.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  };

  /* -- papers ---------------------------------------------------------- */

  AssignmentDialog.prototype.selectedPapers = function () {
    return this.el.checkboxes.filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
  };

  AssignmentDialog.prototype.selectAll = function (checked) {
    this.el.checkboxes.forEach(function (box) { box.checked = checked; });
    this.state.touched.papers = true;
    this.update();
  };

  AssignmentDialog.prototype.onPaperChange = function () {
    this.state.touched.papers = true;
    this.update();
  };

  /* -- target kind ----------------------------------------------------- */

  AssignmentDialog.prototype.onKindChange = function (event) {
    this.state.kind = event.target.value;
    Object.keys(this.el.panels).forEach(function (kind) {
      this.el.panels[kind].hidden = kind !== this.state.kind && kind !== "unverified";
    }, this);
    this.update();
  };

  AssignmentDialog.prototype.touch = function (field) {
    this.state.touched[field] = true;
    this.update();
  };

  /* -- typeahead ------------------------------------------------------- */

  AssignmentDialog.prototype.onComboInput = function () {
    this.state.chosen = null;
    /* A pasted address is checked at once; a name only once the person moves on. */
    this.state.touched.target = !!parsePageReference(this.el.combo.value);
    this.showSuggestions(this.localMatches(this.el.combo.value));
    this.scheduleFetch(this.el.combo.value);
    this.update();
  };

  AssignmentDialog.prototype.onComboBlur = function () {
    var self = this;
    /* Let a click on an option land before the list goes away. */
    window.setTimeout(function () {
      if (document.activeElement !== self.el.combo) {
        self.closeList();
        self.touch("target");
      }
    }, 150);
  };

  AssignmentDialog.prototype.localMatches = function (query) {
    var page = this.page;
    return Object.keys(this.known).map(function (id) { return this.known[id]; }, this).filter(function (entry) {
      return entry.id !== page && entryMatches(entry, query);
    });
  };

  AssignmentDialog.prototype.scheduleFetch = function (query) {
    var url = this.data.suggest_url;
    window.clearTimeout(this.fetchTimer);
    if (!url || words(query).length === 0 || parsePageReference(query)) {
      return;
    }
    var self = this;
    var ticket = ++this.fetchCounter;
    this.fetchTimer = window.setTimeout(function () {
      var full = url + (url.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(query) +
        "&exclude=" + encodeURIComponent(self.page);
      fetch(full, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (found) { self.onFetched(ticket, query, found); })
        .catch(function () { /* the embedded list still works */ });
    }, 200);
  };

  AssignmentDialog.prototype.onFetched = function (ticket, query, found) {
    if (ticket !== this.fetchCounter || this.el.combo.value !== query) {
      return;
    }
    var entries = Array.isArray(found) ? found : (found && found.people) || [];
    entries.forEach(function (entry) {
      if (entry && typeof entry.id === "string" && typeof entry.name === "string") {
        this.known[entry.id] = this.known[entry.id] || entry;
      }
    }, this);
    if (document.activeElement === this.el.combo) {
      this.showSuggestions(this.localMatches(query));
    }
    this.update();
  };

  /** Show the suggestions; the highlighted one stays highlighted if it is still listed. */
  AssignmentDialog.prototype.showSuggestions = function (entries) {
    var listbox = this.el.listbox;
    var active = this.options && this.activeIndex >= 0 ? this.options[this.activeIndex] : null;
    listbox.textContent = "";
    this.options = entries.slice(0, 20);
    this.options.forEach(function (entry, i) {
      var option = h("li", {
        role: "option",
        id: "apd-option-" + i,
        class: "apd-option",
        "aria-selected": "false",
        onmousedown: function (event) { event.preventDefault(); },
        onclick: this.choose.bind(this, i)
      }, [
        h("span", { class: "apd-option-name" }, [entry.name]),
        entry.note ? h("span", { class: "apd-option-note" }, [entry.note]) : null,
        h("span", { class: "apd-option-id" }, [entry.id])
      ]);
      listbox.appendChild(option);
    }, this);
    var open = this.options.length > 0;
    listbox.hidden = !open;
    this.el.combo.setAttribute("aria-expanded", open ? "true" : "false");
    this.markActive(active ? this.options.indexOf(active) : -1);
    var typed = this.el.combo.value.trim();
    this.el.targetStatus.textContent = !typed ? "" : open
      ? plural(this.options.length, "suggestion") + ": use the arrow keys and Enter to choose."
      : "";
  };

  AssignmentDialog.prototype.markActive = function (index) {
    this.activeIndex = index;
    var nodes = this.el.listbox.children;
    for (var i = 0; i < nodes.length; i++) {
      nodes[i].setAttribute("aria-selected", i === index ? "true" : "false");
    }
    if (index >= 0 && nodes[index]) {
      this.el.combo.setAttribute("aria-activedescendant", nodes[index].id);
      nodes[index].scrollIntoView({ block: "nearest" });
    } else {
      this.el.combo.removeAttribute("aria-activedescendant");
    }
  };

  AssignmentDialog.prototype.closeList = function () {
    this.activeIndex = -1;
    this.el.listbox.hidden = true;
    this.el.combo.setAttribute("aria-expanded", "false");
    this.el.combo.removeAttribute("aria-activedescendant");
  };

  AssignmentDialog.prototype.moveActive = function (step) {
    if (this.el.listbox.hidden) {
      this.showSuggestions(this.localMatches(this.el.combo.value));
    }
    var count = (this.options || []).length;
    if (!count) {
      return;
    }
    var current = this.activeIndex;
    if (step > 0) {
      this.markActive((current + 1) % count);
    } else {
      this.markActive(current <= 0 ? count - 1 : current - 1);
    }
  };

  AssignmentDialog.prototype.onComboKeydown = function (event) {
    var open = !this.el.listbox.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      this.moveActive(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter" && open && this.activeIndex >= 0) {
      event.preventDefault();
      this.choose(this.activeIndex);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      event.stopPropagation();
      this.closeList();
    }
  };

  AssignmentDialog.prototype.choose = function (index) {
    var entry = this.options[index];
    if (!entry) {
      return;
    }
    this.state.chosen = entry;
    this.state.touched.target = true;
    this.el.combo.value = entry.name;
    this.closeList();
    this.el.combo.focus();
    this.update();
  };

  /* -- validation ------------------------------------------------------ */

  /** The target page named in the typeahead: {page, entry} or {problem}. */
  AssignmentDialog.prototype.readTargetPage = function () {
    var typed = this.el.combo.value.trim();
    var page = this.state.chosen ? this.state.chosen.id : parsePageReference(typed);
    if (!page && typed) {
      var exact = this.localMatches(typed).filter(function (entry) {
        return words(entry.name).join(" ") === words(typed).join(" ");
      });
      page = exact.length === 1 ? exact[0].id : null;
    }
    if (!typed) {
      return { problem: "Choose the author page: type a name and pick the person from the list, or paste the page\u2019s address." };
    }
    if (!page) {
      return { problem: "Choose the person called \u201c" + typed + "\u201d from the list, or paste the address of their author page, such as " + ANTHOLOGY + "/people/jane-doe/." };
    }
    if (page === this.page) {
      return { problem: "The papers are already on this page. Choose the page they should move to." };
    }
    if (/\/unverified$/.test(page)) {
      return { problem: "That is an unverified page, which only collects papers nobody has claimed. Choose a verified author page, or \u201c" + CHOICES.unverified + "\u201d." };
    }
    return { page: page, entry: this.known[page] || null };
  };

  /** Everything wrong with the request so far, and the request once it is complete. */
  AssignmentDialog.prototype.validate = function () {
    var problems = {};
    var papers = this.selectedPapers();
    var maxPapers = this.form.max_papers || 200;
    if (!papers.length) {
      problems.papers = "Select at least one paper.";
    } else if (papers.length > maxPapers) {
      problems.papers = "Select at most " + maxPapers + " papers; send the others in a second request.";
    }
    var request = {
      page: this.page, papers: papers, kind: this.state.kind, targetPage: null,
      name: "", orcid: "", institution: "", notes: this.el.notes.value.trim()
    };
    var orcid = normalizeOrcid(this.el.orcid.value);
    if (!this.state.kind) {
      problems.kind = "Choose whom the papers belong to.";
    } else if (this.state.kind === "existing") {
      var target = this.readTargetPage();
      if (target.problem) {
        problems.target = target.problem;
      } else {
        request.targetPage = target.page;
        request.targetEntry = target.entry;
      }
    } else if (this.state.kind === "new") {
      if (orcid.status === "valid") {
        request.orcid = orcid.value;
      } else {
        problems.orcid = orcid.status === "empty"
          ? "A new author page needs the person\u2019s ORCID iD."
          : orcid.message;
      }
      request.name = this.el.name.value.trim().replace(/\s+/g, " ");
      request.institution = this.el.institution.value.trim().replace(/\s+/g, " ");
    } else if (this.state.kind === "unverified" && this.unverifiedPage) {
      problems.kind = "These papers are already on an unverified page: choose an existing or a new author page.";
    }
    var url = null;
    if (!Object.keys(problems).length) {
      url = buildIssueUrl(this.data, request);
      var limit = this.form.max_url_length || 8000;
      if (url.length > limit) {
        problems.length = "The request is too long for one GitHub link (" + url.length +
          " characters; GitHub accepts about " + limit + "). Select fewer papers and send the others in a second request, or shorten the notes.";
        url = null;
      }
    }
    return { problems: problems, request: request, url: url, orcid: orcid };
  };

  AssignmentDialog.prototype.showError = function (el, input, message, visible) {
    var show = !!(message && visible);
    el.hidden = !show;
    el.textContent = show ? message : "";
    if (input) {
      if (show) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    }
  };

  /** Show the state of every field, the summary, and enable or disable the link. */
  AssignmentDialog.prototype.update = function () {
    var result = this.validate();
    var p = result.problems;
    var s = this.state;
    var n = result.request.papers.length;
    this.el.count.textContent = n + " of " + this.papers.length + " selected";
    this.showError(this.el.papersError, null, p.papers, s.attempted || s.touched.papers);
    this.showError(this.el.kindError, null, p.kind, s.attempted || !!s.kind);
    this.showError(this.el.targetError, this.el.combo, p.target, s.attempted || s.touched.target);
    this.renderTargetStatus(result);
    this.renderOrcid(result.orcid, p.orcid);
    this.renderSummary(result);
    if (result.url) {
      this.el.submit.setAttribute("href", result.url);
      this.el.submit.removeAttribute("aria-disabled");
    } else {
      this.el.submit.removeAttribute("href");
      this.el.submit.setAttribute("aria-disabled", "true");
    }
    return result;
  };

  AssignmentDialog.prototype.renderTargetStatus = function (result) {
    if (!this.el.listbox.hidden) {
      return; /* the status tells how many suggestions there are */
    }
    var page = result.request.targetPage;
    if (!page) {
      this.el.targetStatus.textContent = "";
      return;
    }
    var entry = result.request.targetEntry;
    this.el.targetStatus.textContent = entry
      ? "\u2713 " + entry.name + " \u2014 " + pageUrl(page)
      : "\u2713 " + pageUrl(page) + " (not among the suggestions; the bot will check that this page exists)";
  };

  AssignmentDialog.prototype.renderOrcid = function (orcid, problem) {
    var status = this.el.orcidStatus;
    var input = this.el.orcid;
    var errorNow = orcid.status === "invalid" ||
      ((this.state.touched.orcid || this.state.attempted) && !!problem);
    status.className = "apd-status";
    if (orcid.status === "valid") {
      status.textContent = "\u2713 " + orcid.message;
      status.classList.add("apd-ok");
      input.removeAttribute("aria-invalid");
    } else if (errorNow && this.state.kind === "new") {
      status.textContent = problem || orcid.message;
      status.classList.add("apd-error");
      input.setAttribute("aria-invalid", "true");
    } else {
      status.textContent = orcid.status === "partial" ? orcid.message : "";
      input.removeAttribute("aria-invalid");
    }
  };

  AssignmentDialog.prototype.renderSummary = function (result) {
    var summary = this.el.summary;
    var messages = Object.keys(result.problems).map(function (key) { return result.problems[key]; });
    /* Rewrite the live region only when its message changes, so screen readers
       do not repeat it on every keystroke. */
    var key = this.state.attempted + "|" + messages.join("|") + "|" +
      (result.url ? this.describe(result.request) : "");
    if (key === this.lastSummary) {
      return;
    }
    this.lastSummary = key;
    summary.textContent = "";
    if (!messages.length) {
      summary.className = "apd-summary apd-ready";
      summary.appendChild(document.createTextNode("Ready: " + this.describe(result.request)));
      return;
    }
    summary.className = "apd-summary" + (this.state.attempted ? " apd-blocked" : "");
    summary.appendChild(h("p", {}, ["Before you continue:"]));
    summary.appendChild(h("ul", {}, messages.map(function (m) { return h("li", {}, [m]); })));
  };

  AssignmentDialog.prototype.describe = function (request) {
    var what = plural(request.papers.length, "paper");
    if (request.kind === "existing") {
      var name = request.targetEntry ? request.targetEntry.name + " (" + request.targetPage + ")" : request.targetPage;
      return what + " \u2192 the author page of " + name + ".";
    }
    if (request.kind === "new") {
      return what + " \u2192 a new author page for " + (request.name || "this person") + ", ORCID " + request.orcid + ".";
    }
    return what + " \u2192 no author page (unverified).";
  };

  /* -- submitting ------------------------------------------------------ */

  AssignmentDialog.prototype.onSubmitClick = function (event) {
    var result = this.update();
    if (result.url) {
      return; /* the link opens GitHub in a new tab */
    }
    event.preventDefault();
    this.state.attempted = true;
    this.update();
    this.focusFirstProblem(result.problems);
  };

  AssignmentDialog.prototype.onSubmitKeydown = function (event) {
    /* A link without href does not react to Enter by itself. */
    if (event.key === "Enter" && !this.el.submit.hasAttribute("href")) {
      this.onSubmitClick(event);
    }
  };

  AssignmentDialog.prototype.focusFirstProblem = function (problems) {
    var order = [
      ["papers", this.el.checkboxes[0]],
      ["kind", this.el.radios.existing],
      ["target", this.el.combo],
      ["orcid", this.el.orcid],
      ["length", this.el.checkboxes[0]]
    ];
    for (var i = 0; i < order.length; i++) {
      if (problems[order[i][0]] && order[i][1]) {
        order[i][1].focus();
        return;
      }
    }
  };

  /* ------------------------------------------------------------------ */
  /* Start                                                                */
  /* ------------------------------------------------------------------ */

  function readData() {
    var script = document.getElementById(DATA_ELEMENT_ID);
    if (!script) {
      return null;
    }
    try {
      return JSON.parse(script.textContent);
    } catch (error) {
      if (window.console) {
        window.console.error("assignment dialog: cannot read #" + DATA_ELEMENT_ID, error);
      }
      return null;
    }
  }

  var api = {
    dialog: null,
    normalizeOrcid: normalizeOrcid,
    orcidCheckDigit: orcidCheckDigit,
    parsePageReference: parsePageReference,
    buildIssueUrl: buildIssueUrl,
    choices: CHOICES,
    open: function (opener) {
      if (api.dialog) {
        api.dialog.open(opener);
      }
    },
    close: function () {
      if (api.dialog) {
        api.dialog.close();
      }
    }
  };
  window.AnthologyAssignmentDialog = api;

  function start() {
    var data = readData();
    var openers = document.querySelectorAll(OPEN_SELECTOR);
    if (!data || !openers.length) {
      return;
    }
    api.dialog = new AssignmentDialog(data);
    Array.prototype.forEach.call(openers, function (button) {
      button.setAttribute("aria-haspopup", "dialog");
      button.setAttribute("aria-controls", "apd-dialog");
      button.removeAttribute("hidden");
      button.removeAttribute("disabled");
      button.addEventListener("click", function () { api.open(button); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
