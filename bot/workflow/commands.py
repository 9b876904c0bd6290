"""Commands in issue comments: which ones a comment gives, and who may give them (pure).

Anthology staff steer the bot from the issue itself. A command is a line of a
comment that starts with ``/<command>`` (``/apply``, ``/batch 2026-spring``), or
a mention of the bot followed by the command anywhere in a line
(``@anthology-bot apply``). Only the commands below count: ``/usr/bin`` or
``/s`` in prose are not commands.

Text that only *shows* a command is never one: lines quoted with ``>`` (a
reply quoting an earlier command), fenced code blocks (```` ``` ```` or
``~~~``), indented code blocks (four spaces), inline code (`` `/apply` ``)
and HTML comments are skipped. A comment gives at most :data:`MAX_COMMANDS`
commands, each once, in order.

Who may use a command (checked by the handler against the repository's real
permission API, never the payload's ``author_association``):

* ``maintainer`` commands need the role ``COMMAND_PERMISSION`` (default
  ``triage``) or more: the Anthology's staff;
* ``author`` commands may also be used by the person who filed the issue, on
  their own issue;
* ``anyone`` may ask for ``/help``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Who = Literal["anyone", "author", "maintainer"]
MAX_COMMANDS = 5


@dataclass(frozen=True)
class CommandSpec:
    """A command the bot knows: how it is written, who may use it, what it does."""

    name: str
    usage: str
    who: Who
    summary: str
    takes_argument: bool = False


COMMANDS: dict[str, CommandSpec] = {
    spec.name: spec
    for spec in (
        CommandSpec(
            "plan",
            "/plan",
            "author",
            "read the issue again and update the plan in the status comment; "
            "changes no branch and no pull request",
        ),
        CommandSpec(
            "apply",
            "/apply",
            "maintainer",
            "approve the request as it is now and make (or update) its pull request at once, "
            "also after /cancel or a closed pull request",
        ),
        CommandSpec(
            "retry",
            "/retry",
            "author",
            "work on the issue again, for example after the bot reported a failure",
        ),
        CommandSpec(
            "cancel",
            "/cancel",
            "maintainer",
            "close the bot's pull request for this issue, delete its branch and take the "
            "issue out of its batch; nothing happens again until /apply",
        ),
        CommandSpec(
            "batch",
            "/batch [name]",
            "maintainer",
            "approve the request and put it into the batch `name` (default: "
            "`author-pages-<today>`): one branch and pull request for many issues, "
            "one commit per issue",
            takes_argument=True,
        ),
        CommandSpec("help", "/help", "anyone", "list these commands"),
    )
}


@dataclass(frozen=True)
class Command:
    """One command found in a comment; ``argument`` only for commands that take one."""

    name: str
    argument: str | None = None

    @property
    def spec(self) -> CommandSpec:
        return COMMANDS[self.name]

    def __str__(self) -> str:
        return f"/{self.name}" + (f" {self.argument}" if self.argument else "")


_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_INLINE_CODE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")
_SLASH = re.compile(r" {0,3}/([A-Za-z]+)(?=\s|$)(.*)")
_WORD = re.compile(r"\S+")


def _visible_lines(body: str) -> list[str]:
    """The lines of ``body`` outside code blocks, quotes and HTML comments, without inline code."""
    text = _HTML_COMMENT.sub(" ", body.replace("\r\n", "\n").replace("\r", "\n"))
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        opener = _FENCE.match(line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                if not line[opener.end() :].strip():
                    fence = None
            continue
        if opener:
            fence = opener.group(1)
            continue
        if line.lstrip(" ").startswith(">") or line.startswith(("    ", "\t")):
            continue
        out.append(_INLINE_CODE.sub(" ", line))
    return out


def _mention(bot_login: str | None) -> re.Pattern[str] | None:
    if not bot_login:
        return None
    names = {bot_login, bot_login.removesuffix("[bot]")}
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w@/.-])@(?:{alternatives})(?![\w-])[:,]?\s+([A-Za-z]+)(.*)", re.I)


def _command(name: str, rest: str) -> Command | None:
    spec = COMMANDS.get(name.lower())
    if spec is None:
        return None
    argument = None
    if spec.takes_argument:
        word = _WORD.search(rest)
        argument = word.group(0) if word else None
    return Command(spec.name, argument)


def parse_commands(body: str, bot_login: str | None = None) -> list[Command]:
    """The commands in a comment, in order, each once, at most :data:`MAX_COMMANDS`."""
    found: list[Command] = []
    mention = _mention(bot_login)
    for line in _visible_lines(body or ""):
        candidates: list[Command | None] = []
        slash = _SLASH.match(line)
        if slash:
            candidates.append(_command(slash.group(1), slash.group(2)))
        elif mention is not None:
            candidates.extend(_command(m.group(1), m.group(2)) for m in mention.finditer(line))
        for command in candidates:
            if command is not None and command not in found:
                found.append(command)
                if len(found) == MAX_COMMANDS:
                    return found
    return found


def may_use(spec: CommandSpec, *, is_maintainer: bool, is_author: bool) -> bool:
    """Whether someone may use a command (``is_maintainer``: has the configured role)."""
    if spec.who == "anyone" or is_maintainer:
        return True
    return spec.who == "author" and is_author


def render_help(bot_login: str | None = None, approval_label: str | None = None) -> str:
    """The command table for ``/help`` replies and the README."""
    lines = [
        "| command | who | what it does |",
        "|---|---|---|",
    ]
    who_text = {
        "anyone": "anyone",
        "author": "Anthology staff, and the person who filed the issue",
        "maintainer": "Anthology staff (triage permission or more)",
    }
    for spec in COMMANDS.values():
        lines.append(f"| `{spec.usage}` | {who_text[spec.who]} | {spec.summary} |")
    lines.append("")
    lines.append("Write a command at the start of a line of a comment on the issue")
    if bot_login:
        lines[-1] += f", or mention me: `@{bot_login.removesuffix('[bot]')} apply`."
    else:
        lines[-1] += "."
    if approval_label:
        lines += [
            "",
            f"Pull requests are made only for approved issues: with the `{approval_label}` "
            "label, or after `/apply` or `/batch`. Editing the issue withdraws the approval.",
        ]
    return "\n".join(lines)
