"""Which webhook events matter, decided cheaply from the payload: a router of triage functions.

As in CPython's bots (bedevere, miss-islington), each feature is a module of
``bot.web.triage`` with a router of its own, registering functions per event and
action; ``bot.web.triage.default_router`` composes them with ordinary imports::

    router = Router()

    @router.route("issues", "opened", "edited")
    def issue_changed(payload: dict, context: EventContext) -> JobRequest | None:
        ...

A triage function runs inside the web request, so it may only look at the
payload (no GitHub calls, no git, no data files). It returns the job(s) to
queue, or None. The worker does the real work later, from the current state
of the issue, not from the payload.

The router itself drops, before any triage function runs:

* events about another repository than ``ANTHOLOGY_REPO`` (an App may be
  installed on several);
* the bot's own events (sender of type ``Bot``, or the configured bot login),
  so that its labels and comments do not trigger it again.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.config import IssueScope, Settings
from bot.queue.jobs import JobRequest

log = logging.getLogger(__name__)

Payload = dict[str, Any]


@dataclass(frozen=True)
class EventContext:
    """What triage functions may know besides the payload."""

    repo: str
    bot_login: str | None = None
    approval_label: str | None = None
    issue_scope: IssueScope = field(default_factory=IssueScope)
    """Which old-form issues are the bot's (``OLD_FORM_ISSUES``, ``ISSUE_LABELS``, ...)."""


def event_context(settings: Settings, bot_login: str | None = None) -> EventContext:
    """The context triage runs with under ``settings`` (the approval label only if enabled).

    ``bot_login`` is the bot's login when it was looked up (``bot.web.own_login``);
    otherwise ``BOT_LOGIN``.
    """
    approval = settings.approval_label if settings.approval_mode != "off" else None
    return EventContext(
        settings.anthology_repo, bot_login or settings.bot_login, approval, settings.issue_scope
    )


TriageResult = JobRequest | Iterable[JobRequest] | None
Triage = Callable[[Payload, EventContext], TriageResult]


MAX_ISSUE_NUMBER = 2**31 - 1
"""GitHub's issue numbers are positive 32-bit integers (its GraphQL ``Int``)."""


class PayloadError(ValueError):
    """A signed payload with a value no GitHub event has; the message names it (a 400)."""


def issue_number_of(issue: Payload) -> int:
    """The ``number`` of a payload's issue; :class:`PayloadError` unless a real issue number.

    JSON ``true`` is a Python ``int``, and ``-5`` or ``10**30`` are ints too: none
    of them is an issue, and the last one does not even fit the job store.
    """
    number = issue.get("number")
    if type(number) is not int or not 1 <= number <= MAX_ISSUE_NUMBER:
        shown = json.dumps(number)[:40]
        raise PayloadError(
            f"issue.number must be a whole number from 1 to {MAX_ISSUE_NUMBER}, not {shown}"
        )
    return number


def sender_login(payload: Payload) -> str:
    sender = payload.get("sender")
    return str(sender.get("login", "")) if isinstance(sender, dict) else ""


def is_own_event(payload: Payload, bot_login: str | None) -> bool:
    """Whether the bot (or another bot account) caused this event."""
    sender = payload.get("sender")
    if not isinstance(sender, dict):
        return False
    if sender.get("type") == "Bot":
        return True
    login = str(sender.get("login", ""))
    return bool(bot_login) and login.lower() == str(bot_login).lower()


def repository_of(payload: Payload) -> str | None:
    repository = payload.get("repository")
    if isinstance(repository, dict) and isinstance(repository.get("full_name"), str):
        return repository["full_name"]
    return None


def installation_of(payload: Payload) -> int | None:
    installation = payload.get("installation")
    if isinstance(installation, dict) and isinstance(installation.get("id"), int):
        return installation["id"]
    return None


class Router:
    """Triage functions by (event, action); ``None`` as action means every action."""

    def __init__(self, *others: Router) -> None:
        """A router; given other routers, one holding all of their routes (in order)."""
        self._routes: dict[tuple[str, str | None], list[Triage]] = defaultdict(list)
        for other in others:
            for key, functions in other._routes.items():
                for function in functions:
                    if function not in self._routes[key]:
                        self._routes[key].append(function)

    def route(self, event: str, *actions: str) -> Callable[[Triage], Triage]:
        """Register the decorated function for ``event`` with these actions (or all)."""

        def register(function: Triage) -> Triage:
            for action in actions or (None,):
                if function not in self._routes[(event, action)]:
                    self._routes[(event, action)].append(function)
            return function

        return register

    def handles(self, event: str, action: str | None) -> bool:
        return bool(self._routes.get((event, action)) or self._routes.get((event, None)))

    def dispatch(self, event: str, payload: Payload, context: EventContext) -> list[JobRequest]:
        """The jobs an event asks for (empty if it is irrelevant)."""
        action = payload.get("action") if isinstance(payload.get("action"), str) else None
        if not self.handles(event, action):
            return []
        repo = repository_of(payload)
        if repo is None or repo.lower() != context.repo.lower():
            log.info("ignoring an event about another repository", extra={"repository": repo})
            return []
        if is_own_event(payload, context.bot_login):
            return []
        out: list[JobRequest] = []
        functions = list(self._routes.get((event, action), []))
        if action is not None:  # an event without an action (push) has only the None routes
            functions += self._routes.get((event, None), [])
        for function in functions:
            result = function(payload, context)
            if result is None:
                continue
            if isinstance(result, JobRequest):
                out.append(result)
            else:
                out.extend(result)
        return out
