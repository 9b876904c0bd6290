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
``approved``
    the fingerprint that a maintainer approved with ``/apply`` or ``/batch``.
    Approval is bound to the text: an edit changes the fingerprint and so
    withdraws it, just as the Anthology's repository workflow removes the
    ``approved`` label from an edited issue.
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

Values are few and short; ``<`` and ``>`` are escaped so the JSON can never end
the HTML comment early.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from bot.workflow.markers import STATE_MARKER, hidden_json, read_hidden_json

HOLD_CANCELLED = "cancelled"
HOLD_CLOSED = "closed"
HOLD_ISSUE_CLOSED = "issue-closed"


def fingerprint(title: str, body: str) -> str:
    """A short hash of an issue's text; line endings and outer whitespace do not count."""

    def clean(text: str) -> str:
        return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()

    digest = hashlib.sha256(f"{clean(title)}\0{clean(body)}".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class IssueState:
    """The bot's memory of one issue (see the module docstring)."""

    fp: str | None = None
    kind: str | None = None
    approved: str | None = None
    pull: int | None = None
    batch: str | None = None
    hold: str | None = None
    merged: int | None = None
    answered: int | None = None

    @classmethod
    def from_comment(cls, body: str | None) -> IssueState:
        """The state hidden in a status comment; an empty state if it has none."""
        data = read_hidden_json(STATE_MARKER, body or "")
        if data is None:
            return cls()
        values: dict[str, Any] = {}
        for item in fields(cls):
            value = data.get(item.name)
            if item.name in ("pull", "merged", "answered"):
                values[item.name] = value if isinstance(value, int) and value > 0 else None
            else:
                values[item.name] = value if isinstance(value, str) and value else None
        return cls(**values)

    def marker(self) -> str:
        """The hidden comment that stores this state (only the fields that are set)."""
        data = {key: value for key, value in asdict(self).items() if value is not None}
        return hidden_json(STATE_MARKER, data)

    def but(self, **changes: Any) -> IssueState:
        """A copy with some fields changed."""
        return replace(self, **changes)


def is_approved(
    approval_mode: str, approval_label: str, labels: tuple[str, ...], state: IssueState, fp: str
) -> bool:
    """Whether the issue may become a pull request now.

    Without approval mode, always. With ``APPROVAL_MODE=label``: when the issue
    carries the approval label, or a maintainer approved this very text with
    ``/apply`` or ``/batch``.
    """
    if approval_mode == "off":
        return True
    if approval_label.lower() in {label.lower() for label in labels}:
        return True
    return state.approved is not None and state.approved == fp
