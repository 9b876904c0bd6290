"""Commands in issue comments: which ones a comment gives, and who may give them (pure).

Anthology staff steer the bot from the issue itself. A command is a line of a
comment that starts with ``/<command>`` (``/apply``, ``/batch 2026-spring``), or
a mention of the bot followed by the command anywhere in a line
(``@anthology-bot apply``). Only the commands below count: ``/usr/bin`` or
``/s`` in prose are not commands.

Text that only *shows* a command is never one. Comments are parsed as GitHub
renders them (CommonMark with GitHub's tables and strikethrough, by
``markdown-it-py``): block quotes with their lazy continuation lines, fenced and
indented code, inline code, struck-out text, HTML comments and blocks, and text
inside ``<blockquote>``, ``<pre>``, ``<code>`` and similar elements are skipped.
A comment gives at most :data:`MAX_COMMANDS` commands, each once, in order.

What looks meant for the bot but is no command (``/aply``, a mention of the
bot with words it does not know) is *unclear* (:class:`Unclear`): the bot
answers it with the closest command (:mod:`difflib`) and ``/help``.

Who may use a command (checked by the handler against the repository's real
permission API, never the payload's ``author_association``):

* ``maintainer`` commands need the role ``COMMAND_PERMISSION`` (default
  ``triage``) or more: the Anthology's staff;
* ``author`` commands may also be used by the person who filed the issue, on
  their own issue;
* ``anyone`` may ask for ``/help``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

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
        CommandSpec(
            "request",
            "/request",
            "maintainer",
            "state or correct the request with `key: value` lines below the command "
            "(`papers`, `all`, `except`, `pages`, `target`, `new person`, `orcid`, "
            "`institution`, `canonical name`, `id`, `id suffix`); these win over the issue's "
            "text and later edits of it; not an approval (docs/conversation.md)",
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


_SLASH = re.compile(r"\s*/([A-Za-z]+)(?=\s|$)(.*)")
_WORD = re.compile(r"\S+")
# HTML elements GitHub renders as quote or code: text inside them only shows a command.
_SHOWING_TAGS = ("blockquote", "pre", "code", "kbd", "samp", "q", "tt", "del", "s", "strike")
_TAG = re.compile(rf"<(/?)({'|'.join(_SHOWING_TAGS)})(?=[\s>/])[^>]*?(/?)>", re.IGNORECASE)
# Markdown containers and inline markup whose text is only shown (quote, code, struck out).
_SHOWING_BLOCKS = frozenset({"blockquote_open"})
_SHOWING_INLINE = {"s_open": "s_close"}
_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
#: How close a mistyped command must be to a known one to be answered (difflib's ratio).
SUGGESTION_CUTOFF = 0.6


class _HtmlDepth:
    """How deep the text is inside HTML elements that show rather than say (across blocks:
    GitHub renders ``<blockquote>`` + blank line + text + ``</blockquote>`` as one quote)."""

    def __init__(self) -> None:
        self.depth = 0

    def feed(self, html: str) -> None:
        for closing, _name, self_closing in _TAG.findall(html):
            if self_closing:
                continue
            self.depth = max(0, self.depth - 1) if closing else self.depth + 1


def _visible_lines(body: str) -> list[str]:
    """The lines of ``body`` that GitHub renders as ordinary text.

    The comment is parsed as CommonMark with GitHub's table and strikethrough
    extensions (``markdown-it-py``), so what counts is what GitHub shows:
    block quotes (including their lazy continuation lines), fenced and
    indented code, inline code, struck-out text, HTML blocks and comments, and
    text inside ``<blockquote>``, ``<pre>``, ``<code>`` (and similar) elements
    are skipped. Soft and hard line breaks inside a paragraph end a line.
    """
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    html = _HtmlDepth()
    quoted = 0
    out: list[str] = []
    for token in _MARKDOWN.parse(text):
        if token.type in _SHOWING_BLOCKS:
            quoted += 1
        elif token.type == "blockquote_close":
            quoted = max(0, quoted - 1)
        elif token.type == "html_block":
            html.feed(token.content)
        elif token.type == "inline" and token.children is not None:
            lines = _inline_lines(token.children, html)
            if not quoted:
                out.extend(lines)
    return out


def _inline_lines(children: list[Token], html: _HtmlDepth) -> list[str]:
    """The visible text of one paragraph's inline tokens, split at line breaks."""
    lines = [""]
    struck: list[str] = []
    for child in children:
        kind = child.type
        if kind in _SHOWING_INLINE:
            struck.append(_SHOWING_INLINE[kind])
        elif struck and kind == struck[-1]:
            struck.pop()
        elif kind == "html_inline":
            html.feed(child.content)
            lines[-1] += " "
        elif kind in ("softbreak", "hardbreak"):
            lines.append("")
        elif kind == "code_inline":
            lines[-1] += " "
        elif kind == "text" and not struck and not html.depth:
            lines[-1] += child.content
        elif kind == "text":
            lines[-1] += " "
    return lines


def _mention(bot_login: str | None) -> re.Pattern[str] | None:
    if not bot_login:
        return None
    names = {bot_login, bot_login.removesuffix("[bot]")}
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w@/.-])@(?:{alternatives})(?![\w-])[:,]?(.*)", re.I)


def _command(name: str, rest: str) -> Command | None:
    spec = COMMANDS.get(name.lower())
    if spec is None:
        return None
    argument = None
    if spec.takes_argument:
        word = _WORD.search(rest)
        argument = word.group(0) if word else None
    return Command(spec.name, argument)


def closest_command(words: list[str]) -> str | None:
    """The known command a person most likely meant by one of ``words``, if any is close.

    A word that is a command wins; otherwise the best :mod:`difflib` match above
    :data:`SUGGESTION_CUTOFF`.
    """
    lowered = [w.lower() for w in words if w]
    exact = next((w for w in lowered if w in COMMANDS), None)
    if exact is not None:
        return exact
    best: tuple[float, str] | None = None
    for word in lowered:
        for name in COMMANDS:
            ratio = difflib.SequenceMatcher(None, word, name).ratio()
            if ratio >= SUGGESTION_CUTOFF and (best is None or ratio > best[0]):
                best = (ratio, name)
    return best[1] if best else None


@dataclass(frozen=True)
class Unclear:
    """Something addressed to the bot that is no command: ``/aply``, or a mention of the
    bot with words it does not understand. ``suggestion`` is the closest command, if any."""

    written: str
    suggestion: str | None = None


@dataclass(frozen=True)
class ParsedComment:
    """What a comment says to the bot: its commands, and what looked meant for the bot but
    is no command (each answered with the closest command and ``/help``)."""

    commands: tuple[Command, ...] = ()
    unclear: tuple[Unclear, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.commands or self.unclear)


def parse_comment(body: str, bot_login: str | None = None) -> ParsedComment:
    """The commands (each once, at most :data:`MAX_COMMANDS`) and the unclear requests.

    A line starting with ``/word`` where ``word`` is no command counts as unclear
    only if it is close to a command (``/aply``; not ``/s`` or ``/etc`` in prose).
    A mention of the bot not followed by a command is always unclear: it was
    addressed to the bot.
    """
    found: list[Command] = []
    unclear: list[Unclear] = []
    mention = _mention(bot_login)
    for line in _visible_lines(body or ""):
        slash = _SLASH.match(line)
        if slash:
            command = _command(slash.group(1), slash.group(2))
            if command is None:
                suggestion = closest_command([slash.group(1)])
                if suggestion is not None:
                    unclear.append(Unclear(f"/{slash.group(1)}", suggestion))
            elif command not in found:
                found.append(command)
            continue
        for match in mention.finditer(line) if mention is not None else ():
            words = _WORD.findall(match.group(1))
            command = _command(words[0].strip(".,!?:;"), " ".join(words[1:])) if words else None
            if command is None:
                written = match.group(0).strip()[:80]
                plain = [w.strip(".,!?:;()") for w in words]
                unclear.append(Unclear(written, closest_command(plain)))
            elif command not in found:
                found.append(command)
    return ParsedComment(tuple(found[:MAX_COMMANDS]), tuple(dict.fromkeys(unclear))[:MAX_COMMANDS])


def command_lines(body: str, name: str, bot_login: str | None = None) -> list[str] | None:
    """The visible lines that follow command ``name`` in a comment (what it says after
    ``/request`` on its own line and below it); None if the comment does not give it.

    Lines are as GitHub shows them (:func:`_visible_lines`): quotes and code are not
    part of them, and each list item is a line of its own.
    """
    mention = _mention(bot_login)
    lines = _visible_lines(body or "")
    for index, line in enumerate(lines):
        slash = _SLASH.match(line)
        rest: str | None = None
        if slash and slash.group(1).lower() == name:
            rest = slash.group(2)
        elif mention is not None:
            match = mention.search(line)
            words = match.group(1).split(None, 1) if match else []
            if words and words[0].strip(".,!?:;").lower() == name:
                rest = words[1] if len(words) > 1 else ""
        if rest is not None:
            following = [ln for ln in lines[index + 1 :] if not _SLASH.match(ln)]
            return ([rest.strip()] if rest.strip() else []) + following
    return None


def parse_commands(body: str, bot_login: str | None = None) -> list[Command]:
    """The commands in a comment, in order, each once, at most :data:`MAX_COMMANDS`."""
    return list(parse_comment(body, bot_login).commands)


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
