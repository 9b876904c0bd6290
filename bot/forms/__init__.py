"""Reading "Fix paper assignment" issues: issue body -> Request + problems.

An issue filed with a GitHub issue form arrives as markdown: each field is a
``### <label>`` heading, a blank line and the answer. The labels are mapped
back to field ids through the template file
(``issue_templates/fix-paper-assignment.yml``) plus alias tables. Two forms are
understood: the "Fix paper assignment" form (``assignment``) and the older,
mostly prose "Correction to Author Page" form (``legacy``). Both become the same
:class:`bot.engine.request.Request` (any of its kinds: a list of papers, whole pages,
all but some papers, person edits, merges), or precise questions
(:class:`bot.engine.request.Problem` with a stable ``code``, see ``PROBLEM_CODES``) when
something is missing or unclear: questions go back to the user instead of guesses.

The parser is pure: besides reading the template it does no I/O; checking
against the Anthology data goes through a :class:`bot.anthology.lookup.DataLookup`.

Modules, in reading order:

* ``template``: the template, label tables, sections and GitHub's rendering quirks;
* ``references``: author pages, ORCID iDs, names and paper lists in one answer;
* ``prose``: papers mentioned in free text, with whether they are the writer's;
* ``result``: problem codes, the collector of problems and notes, ParseResult;
* ``resolve``: checking pages and papers against the data;
* ``cues``: phrases that change a request: struck-through text, "all ... except
  ...", part of a page, "Fix data" hints, the wanted name, typed names checked;
* ``assignment``: the new form; ``legacy_facts`` and ``legacy``: the old one, with
  ``legacy_kinds`` for its requests about whole pages and persons (verification,
  merges, ORCID iD / institution / canonical-name edits, all-except), read as the
  maintainers do (``maintainer-operations.md``);
* ``parse``: :func:`parse_issue` and :func:`is_bot_issue`;
* ``thread``: the filer's answers to the bot's questions in comments, written into the
  body as an edit would; ``decision``: maintainers' ``/request`` lines as overrides;
  ``conversation``: body, answers and decisions together (:func:`read_conversation`,
  what the issue and batch jobs read; ``docs/conversation.md``);
* ``issue_file``: issues stored as markdown files (the CLI's input).

Everything other code uses is importable from ``bot.forms`` itself.
"""

from bot.engine.request import MAX_PAPERS
from bot.forms.assignment import ASSIGN_EXISTING, ASSIGN_NEW, ASSIGN_UNVERIFIED, choice_kind
from bot.forms.conversation import Conversation, read_conversation
from bot.forms.decision import Decision, DecisionError, parse_decision
from bot.forms.issue_file import IssueFile, parse_issue_file, read_issue_text
from bot.forms.legacy_facts import CorrectionKind, LegacyFacts, correction_kinds, read_legacy_facts
from bot.forms.parse import MAX_BODY_CHARS, is_bot_issue, parse_issue
from bot.forms.prose import (
    KEEP,
    MINE,
    NEUTRAL,
    NOT_MINE,
    cue_polarity,
    find_paper_refs_in_prose,
    find_titles_in_prose,
    has_all_papers_phrase,
    looks_like_title,
)
from bot.forms.references import (
    ANTHOLOGY_HOST,
    MAX_LINE_CHARS,
    PageError,
    PaperRef,
    RefKind,
    find_orcids,
    page_from_title,
    parse_author_page,
    parse_orcid_answer,
    parse_paper_line,
    parse_paper_list,
    parse_person_name,
)
from bot.forms.resolve import MAX_PAPER_PROBLEMS, NEAR_EXACT_TITLE, resolve_page, resolve_papers
from bot.forms.result import PROBLEM_CODES, ParseResult
from bot.forms.template import (
    ASSIGNMENT_LABEL_ALIASES,
    LEGACY_LABELS,
    SPECIAL_FIELDS,
    TEMPLATE_PATH,
    FormField,
    FormKind,
    FormSpec,
    clean_answer,
    detect_form,
    known_fields,
    load_form_spec,
    normalize_label,
    normalize_newlines,
    parse_checkboxes,
    split_sections,
)
from bot.forms.thread import ThreadComment, asked_fields, offered_choices

__all__ = [
    "ANTHOLOGY_HOST",
    "ASSIGNMENT_LABEL_ALIASES",
    "ASSIGN_EXISTING",
    "ASSIGN_NEW",
    "ASSIGN_UNVERIFIED",
    "Conversation",
    "CorrectionKind",
    "Decision",
    "DecisionError",
    "FormField",
    "FormKind",
    "FormSpec",
    "IssueFile",
    "KEEP",
    "LEGACY_LABELS",
    "LegacyFacts",
    "MAX_BODY_CHARS",
    "MAX_LINE_CHARS",
    "MAX_PAPERS",
    "MAX_PAPER_PROBLEMS",
    "MINE",
    "NEAR_EXACT_TITLE",
    "NEUTRAL",
    "NOT_MINE",
    "PROBLEM_CODES",
    "PageError",
    "PaperRef",
    "ParseResult",
    "RefKind",
    "SPECIAL_FIELDS",
    "TEMPLATE_PATH",
    "ThreadComment",
    "asked_fields",
    "choice_kind",
    "clean_answer",
    "correction_kinds",
    "cue_polarity",
    "detect_form",
    "find_orcids",
    "find_paper_refs_in_prose",
    "find_titles_in_prose",
    "has_all_papers_phrase",
    "is_bot_issue",
    "known_fields",
    "load_form_spec",
    "looks_like_title",
    "normalize_label",
    "normalize_newlines",
    "offered_choices",
    "page_from_title",
    "parse_author_page",
    "parse_checkboxes",
    "parse_decision",
    "parse_issue",
    "parse_issue_file",
    "parse_orcid_answer",
    "parse_paper_line",
    "parse_paper_list",
    "parse_person_name",
    "read_conversation",
    "read_issue_text",
    "read_legacy_facts",
    "resolve_page",
    "resolve_papers",
    "split_sections",
]
