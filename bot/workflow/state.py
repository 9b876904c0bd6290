"""What the bot remembers about an issue, kept in its own status comment.

GitHub is the bot's memory: the job store may be emptied, moved to Redis or
lost, but the issue stays. So the bot's knowledge of an issue is a small JSON
object hidden in an HTML comment at the end of its status comment::

    <!-- anthology-bot:state {"approved":"5f0c…","batch":"author-pages-2026-03-14",…} -->

Every run of the issue job reads it first and writes it back with the status
comment. The fields:

``fp``
    the *fingerprint* of the issue's title and body that the status comment
    describes. Reconciliation compares it with the issue's current text to find
    edits the bot missed (GitHub's REST API has no "body last edited" time:
    ``updated_at`` also moves for comments and labels).
``kind``
    the kind of status last shown (``proposed``, ``awaiting_approval``, ...).
``approved``, ``by``, ``via``
    the fingerprint of the *plan* (:func:`plan_fingerprint`: the plan as the
    status comment renders it) that a maintainer approved, who did
    (``by``, checked against the repository's permission API), and how
    (``via``: ``command`` for ``/apply`` or ``/batch``, ``label`` for the
    approval label). A command approves the plan the status comment showed
    when the comment was written, a label the plan shown when the label was
    added (:func:`plan_seen`), never what the text is when the job runs. A plan
    that differs from the approved one withdraws the approval, visibly
    (``withdrawn``: whose approval an edit withdrew).
``ok``
    the text fingerprint for which the issue job last confirmed the approval
    of the current plan; what the batch job and reconciliation compare
    (:func:`is_approved`).
``shown``
    the last few plans the status comment showed, oldest first, each as
    ``[plan fingerprint or "", comment id, event id]``: the newest comment id
    and issue event id that existed just before the status comment started
    showing it. Comment ids and event ids grow with time on GitHub, so a
    comment (or a label event) with a larger id was written after that plan
    was on screen.
``commits``
    the shas of the commits the bot pushed to the issue's branch (the newest
    few): how it recognises its own commits, never by name and e-mail.
``label_event``, ``label_refused``
    the id of the newest approval-label event the bot has judged, and the
    login of a person without the maintainer role whose label does not count.
``pull``
    the pull request that carries the issue's change: its own, or the batch's.
    When that pull request is found closed, the bot tells the issue once.
``batch``
    the batch the issue belongs to (set by ``/batch``, cleared by ``/cancel``).
``hold``
    why the bot makes no pull request until a maintainer says ``/apply``:
    ``cancelled`` (``/cancel``), ``closed`` (its pull request was closed
    without merging), ``issue-closed`` (the issue was closed; reopening it
    lifts this one).
``merged``
    the pull request whose merge was announced on the issue.
``answered``
    the id of a comment up to which every command has been answered, so that
    later runs need not look at old commands' reactions again.
``asked``, ``asked_since``, ``asked_until``, ``asked_gaps``, ``offered``
    the fields the bot's questions asked for (``papers``, ``orcid``, ...), the
    newest comment id before it first asked, and the newest comment id when the
    request became complete (unset while it asks): the filer's comments in
    between are read as answers (``bot.forms.thread``). A new question opens
    the window again; the stretch while the request was complete stays closed
    (``asked_gaps``: pairs of comment ids). ``offered``: the numbered choices questions offered (the
    pages one of which is the destination; an ambiguous title and its papers),
    for answers like "the first one".
``news``
    the key of the newest state the filer was told of (a question, a complete
    request, a pull request with a plan): a new comment mentions them when it
    changes (``bot.worker.jobs.issue``), once per state.
``decisions``
    the maintainers' ``/request`` decisions, oldest first, each as
    ``[comment id, login, {key: value}]`` (``bot.forms.decision``): kept here, so
    that they hold whatever happens to the comment or the issue's text later.

Values are few and short; ``<`` and ``>`` are escaped so the JSON can never end
the HTML comment early.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from bot.workflow.markers import STATE_MARKER, hidden_json, read_hidden_json, read_shas

HOLD_CANCELLED = "cancelled"
HOLD_CLOSED = "closed"
HOLD_ISSUE_CLOSED = "issue-closed"
#: How many shown plans the state remembers (older approvals than that cannot be matched).
SHOWN_KEEP = 8

DecisionEntry = tuple[int, str, dict[str, Any]]
"""A maintainer's ``/request``: (comment id, login, {key: value})."""
#: How many decisions the state remembers (the newest; older ones are superseded anyway).
DECISIONS_KEEP = 10

Shown = tuple[str, int, int]
"""A plan the status comment showed: (plan fingerprint or "", newest comment id before,
newest issue event id before)."""


def fingerprint(title: str, body: str) -> str:
    """A short hash of an issue's text; line endings and outer whitespace do not count."""

    def clean(text: str) -> str:
        return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()

    digest = hashlib.sha256(f"{clean(title)}\0{clean(body)}".encode())
    return digest.hexdigest()[:16]


def plan_fingerprint(rendered_plan: str) -> str:
    """A short hash of a plan as the status comment shows it: what a maintainer approves."""
    text = rendered_plan.replace("\r\n", "\n").strip()
    return "p" + hashlib.sha256(text.encode()).hexdigest()[:15]


def plan_seen(shown: tuple[Shown, ...], *, comment_id: int = 0, event_id: int = 0) -> str | None:
    """The plan the status comment showed when a comment (or an issue event) was made.

    That is the newest shown plan whose recorded ids are all below the comment's
    (or event's) id; None if no plan was shown then (or it is too old to know).
    """
    seen: str | None = None
    for fp, before_comment, before_event in shown:
        if comment_id and before_comment < comment_id:
            seen = fp or None
        elif event_id and before_event < event_id:
            seen = fp or None
    return seen


def with_shown(shown: tuple[Shown, ...], entry: Shown) -> tuple[Shown, ...]:
    """``shown`` with a newly shown plan appended (unless it is the plan shown already)."""
    if shown and shown[-1][0] == entry[0]:
        return shown
    return (*shown, entry)[-SHOWN_KEEP:]


@dataclass(frozen=True)
class IssueState:
    """The bot's memory of one issue (see the module docstring)."""

    fp: str | None = None
    kind: str | None = None
    approved: str | None = None
    by: str | None = None
    via: str | None = None
    ok: str | None = None
    withdrawn: str | None = None
    label_event: int | None = None
    label_refused: str | None = None
    shown: tuple[Shown, ...] = ()
    commits: tuple[str, ...] = ()
    pull: int | None = None
    batch: str | None = None
    hold: str | None = None
    merged: int | None = None
    answered: int | None = None
    asked: tuple[str, ...] = ()
    asked_since: int | None = None
    asked_until: int | None = None
    asked_gaps: tuple[tuple[int, int], ...] = ()
    offered: dict[str, list[str]] = field(default_factory=dict)
    decisions: tuple[DecisionEntry, ...] = ()
    news: str | None = None

    @classmethod
    def from_comment(cls, body: str | None) -> IssueState:
        """The state hidden in a status comment; an empty state if it has none."""
        data = read_hidden_json(STATE_MARKER, body or "")
        if data is None:
            return cls()
        values: dict[str, Any] = {}
        for item in fields(cls):
            value = data.get(item.name)
            if item.name == "shown":
                values["shown"] = _shown_of(value)
            elif item.name == "commits":
                values["commits"] = _shas_of(value)
            elif item.name == "offered":
                values["offered"] = _offered_of(value)
            elif item.name == "asked":
                values["asked"] = _words_of(value)
            elif item.name == "asked_gaps":
                values["asked_gaps"] = _gaps_of(value)
            elif item.name == "decisions":
                values["decisions"] = _decisions_of(value)
            elif item.name in (
                "asked_since",
                "asked_until",
            ):  # 0: asked before any comment was written
                ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
                values[item.name] = value if ok else None
            elif item.name in ("pull", "merged", "answered", "label_event"):
                values[item.name] = value if isinstance(value, int) and value > 0 else None
            else:
                values[item.name] = value if isinstance(value, str) and value else None
        return cls(**values)

    def marker(self) -> str:
        """The hidden comment that stores this state (only the fields that are set)."""
        data = {key: value for key, value in asdict(self).items() if value not in (None, (), {})}
        return hidden_json(STATE_MARKER, data)

    def but(self, **changes: Any) -> IssueState:
        """A copy with some fields changed."""
        return replace(self, **changes)


#: How many pushed commit shas the state remembers.
COMMITS_KEEP = 10


def _shas_of(value: Any) -> tuple[str, ...]:
    """The ``commits`` field read back: full commit shas only, the newest few."""
    return read_shas(value)[-COMMITS_KEEP:]


def with_commits(commits: tuple[str, ...], pushed: Iterable[str]) -> tuple[str, ...]:
    """``commits`` with newly pushed (or found-own) shas appended, the newest few kept."""
    out = list(commits)
    for sha in pushed:
        if sha in out:
            out.remove(sha)
        out.append(sha)
    return tuple(out[-COMMITS_KEEP:])


def _words_of(value: Any) -> tuple[str, ...]:
    """The ``asked`` field read back: short words only."""
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str) and re.fullmatch(r"[a-z_]{1,30}", v))


#: How many closed stretches of the answer window the state remembers.
GAPS_KEEP = 20


def _gaps_of(value: Any) -> tuple[tuple[int, int], ...]:
    """The ``asked_gaps`` field read back: pairs of comment ids, anything else dropped."""
    if not isinstance(value, list):
        return ()
    gaps = []
    for pair in value:
        if (
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in pair)
            and pair[0] <= pair[1]
        ):
            gaps.append((pair[0], pair[1]))
    return tuple(gaps[-GAPS_KEEP:])


def _offered_of(value: Any) -> dict[str, list[str]]:
    """The ``offered`` field read back: a few short lists of strings."""
    if not isinstance(value, dict):
        return {}
    return {
        key: [v for v in options if isinstance(v, str)][:6]
        for key, options in list(value.items())[:4]
        if isinstance(key, str) and isinstance(options, list)
    }


def _decisions_of(value: Any) -> tuple[DecisionEntry, ...]:
    """The ``decisions`` field read back; anything malformed is dropped."""
    if not isinstance(value, list):
        return ()
    out: list[DecisionEntry] = []
    for entry in value[-DECISIONS_KEEP:]:
        if (
            isinstance(entry, list)
            and len(entry) == 3
            and isinstance(entry[0], int)
            and not isinstance(entry[0], bool)
            and isinstance(entry[1], str)
            and isinstance(entry[2], dict)
        ):
            out.append((entry[0], entry[1], entry[2]))
    return tuple(out)


def with_decision(
    decisions: tuple[DecisionEntry, ...], entry: DecisionEntry
) -> tuple[DecisionEntry, ...]:
    """``decisions`` with a new one appended (a rerun for the same comment replaces it).

    What the new one decides is dropped from the older ones (the latest per key wins
    anyway), and older ones left with nothing are dropped: the state stays small, one
    value per key at most, whatever the number of decisions.
    """
    keys = set(entry[2])
    kept: list[DecisionEntry] = []
    for cid, by, values in decisions:
        if cid == entry[0]:
            continue
        rest = {k: v for k, v in values.items() if k not in keys}
        if rest:
            kept.append((cid, by, rest))
    return (*kept, entry)[-DECISIONS_KEEP:]


def with_asked(
    state: IssueState,
    fields: Iterable[str],
    newest_comment: int,
    offered: dict[str, list[str]] | None = None,
) -> IssueState:
    """The state after asking for ``fields``: their union with those asked before, from
    when answers are read (the first time the bot asked), and the numbered choices the
    questions offer (kept with the earlier ones, so that an answer like "the first one"
    keeps its meaning)."""
    asked = tuple(dict.fromkeys((*state.asked, *fields)))
    choices = {**state.offered, **(offered or {})}
    since = state.asked_since if state.asked_since is not None else newest_comment
    gaps = state.asked_gaps
    if state.asked_until is not None and newest_comment > state.asked_until:
        # Asked again after the request was complete: what the filer wrote meanwhile
        # ("thanks, could you also ...") stays no answer; earlier answers still count.
        gaps = (*gaps, (state.asked_until, newest_comment))[-GAPS_KEEP:]
    return replace(
        state,
        asked=asked,
        asked_since=since,
        asked_until=None,
        asked_gaps=gaps,
        offered=choices,
    )


def answers_closed(state: IssueState, newest_comment: int) -> IssueState:
    """The state once the request is complete: comments after ``newest_comment`` are no
    answers (until the bot asks again)."""
    if state.asked_since is None or state.asked_until is not None:
        return state
    return replace(state, asked_until=max(newest_comment, state.asked_since))


def _shown_of(value: Any) -> tuple[Shown, ...]:
    """The ``shown`` field read back; anything malformed is dropped."""
    if not isinstance(value, list):
        return ()
    out: list[Shown] = []
    for entry in value[-SHOWN_KEEP:]:
        if (
            isinstance(entry, list)
            and len(entry) == 3
            and isinstance(entry[0], str)
            and all(isinstance(n, int) and not isinstance(n, bool) for n in entry[1:])
        ):
            out.append((entry[0], entry[1], entry[2]))
    return tuple(out)


def is_approved(
    approval_mode: str, approval_label: str, labels: tuple[str, ...], state: IssueState, fp: str
) -> bool:
    """Whether the issue may become a pull request now, as far as its state tells.

    Without approval mode, always. With ``APPROVAL_MODE=label``: when the issue
    job confirmed, for this very text (``fp``), that a maintainer approved its
    current plan (by ``/apply``, ``/batch`` or the approval label, whose adder it
    checked). The label's mere presence is not enough: anyone with triage
    rights, or a workflow, may have added it; and an edit needs the issue job
    to compare the plans again. ``labels`` and ``approval_label`` remain for the
    callers' convenience (see :func:`approval_pending`).
    """
    if approval_mode == "off":
        return True
    return state.ok is not None and state.ok == fp and state.approved is not None


def approval_pending(
    approval_mode: str, approval_label: str, labels: tuple[str, ...], state: IssueState
) -> bool:
    """Whether the issue carries an approval label its issue job has not judged yet
    (reconciliation queues such issues)."""
    if approval_mode == "off":
        return False
    has_label = approval_label.lower() in {label.lower() for label in labels}
    return has_label and state.via != "label" and state.label_refused is None


# -- approval, decided from plain values -------------------------------------------------


@dataclass(frozen=True)
class LabelEvent:
    """The newest time the approval label was added: the event's id and who added it."""

    id: int
    actor: str


def judge_label(
    state: IssueState,
    label: LabelEvent | None,
    *,
    is_maintainer: bool,
    current_plan: str | None,
) -> IssueState:
    """The state after looking at the approval label (``label``: None if it is not on).

    A label newer than the one judged before counts if its adder has the
    maintainer role: it approves the plan the status comment showed when it
    was added (:func:`plan_seen`); added before the bot showed any plan, the
    plan the bot makes now. A label removed withdraws a label approval.
    """
    if label is None:
        if state.via == "label":
            return replace(state, approved=None, by=None, via=None, label_event=None)
        return replace(state, label_event=None, label_refused=None)
    if state.label_event == label.id:
        return state
    if not is_maintainer:
        return replace(state, label_event=label.id, label_refused=label.actor)
    earlier = any(before_event < label.id for _, _, before_event in state.shown)
    approved = plan_seen(state.shown, event_id=label.id) if earlier else current_plan
    return replace(
        state,
        label_event=label.id,
        label_refused=None,
        approved=approved,
        by=label.actor,
        via="label",
        withdrawn=None,
    )


def approve_by_command(state: IssueState, comment_id: int, login: str) -> IssueState:
    """``/apply`` or ``/batch`` in comment ``comment_id``: approve the plan shown then."""
    seen = plan_seen(state.shown, comment_id=comment_id)
    return replace(state, approved=seen, by=login, via="command", withdrawn=None)


def settle_approval(state: IssueState, current_plan: str | None, fp: str) -> IssueState:
    """Compare the approval with the plan made now: confirm it (for this text ``fp``), or
    withdraw it when the plan differs (``withdrawn`` names whose approval it was)."""
    if state.approved is None:
        return replace(state, ok=None)
    if current_plan is not None and state.approved == current_plan:
        return replace(state, ok=fp)
    if current_plan is None:  # questions now: nothing to approve, and nothing withdrawn yet
        return replace(state, ok=None)
    return replace(state, approved=None, via=None, ok=None, withdrawn=state.by or "staff", by=None)
