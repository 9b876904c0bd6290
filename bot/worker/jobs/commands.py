"""Carrying out the commands in an issue's comments, as part of the issue job.

Commands are part of an issue's state, like its body and labels: the issue
job reads every comment, finds the commands (``bot.workflow.commands``) it has not
answered yet, and carries them out in order before it brings the issue up to
date. A comment event therefore only queues the ordinary issue job, and
coalescing several events into one run loses no command.

Answering, so that a command is carried out once:

1. on sight the bot reacts with ``eyes`` to the comment;
2. it carries the command out (its effects are idempotent: approving the
   current text, putting the issue into a batch, closing a pull request);
3. once the status comment is up to date it reacts with ``+1``, or
   ``confused`` when the command could not be carried out, and posts a reply
   where there is something to say (``/help``, a refusal, an error). A reply
   is a notice keyed by the comment's id.

A comment is *answered* when the bot reacted ``+1`` or ``confused`` to it or
replied to it. A job that stops between 1 and 3 leaves the command seen but
unanswered, and the next run carries it out again.

Permissions come from the repository's permission API
(:meth:`bot.io.github.GitHubRepo.permission`), once per person and run; who may
use which command is in ``bot.workflow.commands``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.errors import Permanent
from bot.io.github import PERMISSION_RANK, CommentInfo, GitHubRepo
from bot.text.comments import (
    command_error_reply,
    edited_command_reply,
    refusal_reply,
    unclear_reply,
)
from bot.worker.jobs.notices import has_notice, post_notice
from bot.workflow.commands import Command, Unclear, may_use, parse_comment

log = logging.getLogger(__name__)

SEEN = "eyes"
DONE = "+1"
FAILED = "confused"


def reply_key(comment_id: int) -> str:
    """The notice key of the bot's reply to a comment."""
    return f"reply-{comment_id}"


def is_bot_author(login: str, bot_login: str) -> bool:
    return login == bot_login or login.endswith("[bot]")


def was_edited(comment: CommentInfo) -> bool:
    """Whether a comment was changed after it was posted (GitHub moves ``updated_at``).

    The bot acts on a comment's commands as first written, or never: an edited
    comment is answered, not carried out (docs/operations.md, "Commands").
    """
    return bool(comment.created_at and comment.updated_at) and (
        comment.updated_at != comment.created_at
    )


@dataclass(frozen=True)
class CommandComment:
    """A person's comment and what it says to the bot: commands and unclear requests."""

    comment: CommentInfo
    commands: tuple[Command, ...]
    unclear: tuple[Unclear, ...] = ()

    @property
    def edited(self) -> bool:
        return was_edited(self.comment)


@dataclass(frozen=True)
class Pending:
    """A command comment not answered yet; ``seen`` if the bot already reacted ``eyes``."""

    item: CommandComment
    seen: bool


def command_comments(comments: Sequence[CommentInfo], bot_login: str) -> list[CommandComment]:
    """The comments by people that hold commands, oldest first."""
    out = []
    for comment in comments:
        if is_bot_author(comment.author, bot_login):
            continue
        parsed = parse_comment(comment.body, bot_login)
        if parsed:
            out.append(CommandComment(comment, parsed.commands, parsed.unclear))
    return out


def unanswered(
    repo: GitHubRepo,
    issue_number: int,
    comments: Sequence[CommentInfo],
    bot_login: str,
    answered_upto: int | None = None,
) -> tuple[list[Pending], int | None]:
    """The command comments the bot has not answered yet (oldest first), and a new mark.

    Comments up to ``answered_upto`` (a comment id, kept in the issue's state)
    are known to be answered and not looked at again; reactions are read only
    for the others that have any. The returned mark covers every command
    comment before the first unanswered one (comment ids grow with time).
    """
    out: list[Pending] = []
    upto = answered_upto
    for item in command_comments(comments, bot_login):
        if answered_upto is not None and item.comment.id <= answered_upto:
            continue
        answered = has_notice(comments, reply_key(item.comment.id), bot_login)
        mine: set[str] = set()
        if not answered and item.comment.reactions:
            reactions = repo.comment_reactions(issue_number, item.comment.id)
            mine = {content for content, login in reactions if login == bot_login}
            answered = bool(mine & {DONE, FAILED})
        if answered:
            if not out:
                upto = item.comment.id
            continue
        out.append(Pending(item, SEEN in mine))
    return out, upto


class Permissions:
    """Who has the configured role for maintainer commands; asked once per person."""

    def __init__(self, repo: GitHubRepo, needed: str) -> None:
        self.repo = repo
        self.needed = PERMISSION_RANK[needed]
        self._known: dict[str, bool] = {}

    def is_maintainer(self, login: str) -> bool:
        if login not in self._known:
            self._known[login] = PERMISSION_RANK[self.repo.permission(login)] >= self.needed
        return self._known[login]

    def allows(self, command: Command, login: str, issue_author: str) -> bool:
        is_author = login.lower() == issue_author.lower()
        if command.spec.who == "anyone":
            return True
        if command.spec.who == "author" and is_author:
            return True
        return may_use(command.spec, is_maintainer=self.is_maintainer(login), is_author=is_author)


class CommandError(Permanent):
    """A command that cannot be carried out; the message (markdown) says why."""


def allowed_text(command: Command) -> str:
    """Who may use a command, for a refusal."""
    if command.spec.who == "author":
        return "Anthology staff and the person who filed the issue"
    return "Anthology staff"


# -- carrying commands out ------------------------------------------------------------------


CarryOut = Callable[[Command, str, int], "str | None"]
"""Carries out one permitted command (given its author and comment id); returns a reply.

The issue job supplies it (``IssueRun.carry_out``): a command's effect on the
issue is data (``bot.workflow.decide.EFFECTS``), applied there.
"""


class CommandSession:
    """The unanswered commands of one issue run: seen, carried out, answered."""

    def __init__(
        self,
        repo: GitHubRepo,
        issue_number: int,
        issue_author: str,
        comments: Sequence[CommentInfo],
        bot_login: str,
        answered_upto: int | None,
        needed_permission: str,
    ) -> None:
        self.repo = repo
        self.number = issue_number
        self.issue_author = issue_author
        self.comments = comments
        self.pending, self.answered_upto = unanswered(
            repo, issue_number, comments, bot_login, answered_upto
        )
        self.permissions = Permissions(repo, needed_permission)
        self.bot_login = bot_login
        self._answers: list[tuple[CommandComment, str | None, list[str]]] = []

    def __bool__(self) -> bool:
        return bool(self.pending)

    def acknowledge(self) -> None:
        """React ``eyes`` to every command comment not seen before."""
        for pending in self.pending:
            if not pending.seen:
                self.repo.react(self.number, pending.item.comment.id, SEEN)

    def execute(self, carry_out: CarryOut) -> None:
        """Carry out every pending command, in order, where its author may use it."""
        for pending in self.pending:
            item = pending.item
            login = item.comment.author
            replies: list[str] = []
            done = failed = 0
            if item.edited:
                log.info("not acting on an edited comment from %s", login)
                self._answers.append((item, FAILED, [edited_command_reply(login)]))
                continue
            for unclear in item.unclear:
                replies.append(
                    unclear_reply(login, unclear.written, unclear.suggestion, self.bot_login)
                )
                failed += 1
            for command in item.commands:
                if not self.permissions.allows(command, login, self.issue_author):
                    log.info("refused %s from %s", command, login)
                    replies.append(refusal_reply(login, str(command), allowed_text(command)))
                    continue
                try:
                    reply = carry_out(command, login, item.comment.id)
                except CommandError as exc:
                    replies.append(command_error_reply(login, str(command), str(exc)))
                    failed += 1
                    continue
                log.info("carried out %s from %s", command, login)
                done += 1
                if reply:
                    replies.append(reply)
            reaction = FAILED if failed else DONE if done else None
            self._answers.append((item, reaction, replies))

    def answer(self) -> None:
        """Reply and react, now that the issue is up to date."""
        for item, reaction, replies in self._answers:
            if replies:
                post_notice(
                    self.repo,
                    self.number,
                    reply_key(item.comment.id),
                    "\n\n".join(replies),
                    self.comments,
                )
            if reaction:
                self.repo.react(self.number, item.comment.id, reaction)
