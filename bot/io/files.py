"""Files a person names on the command line or a workflow hands over: read, or say why not.

A file that does not exist, is a folder, may not be read or is not UTF-8 text is
a mistake to explain in one line, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from bot.errors import Permanent


class UnreadableFile(Permanent):
    """A named file cannot be read; the message says which and why."""


def read_bytes(path: Path, what: str) -> bytes:
    """The content of ``path``; UnreadableFile names ``what`` it was meant to be."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise UnreadableFile(f"the {what} {path} does not exist") from None
    except IsADirectoryError:
        raise UnreadableFile(f"the {what} {path} is a folder, not a file") from None
    except PermissionError:
        raise UnreadableFile(f"the {what} {path} may not be read (permission denied)") from None
    except OSError as exc:
        raise UnreadableFile(f"the {what} {path} cannot be read: {exc.strerror}") from None


def read_text(path: Path, what: str) -> str:
    """The UTF-8 text of ``path`` (see :func:`read_bytes`)."""
    raw = read_bytes(path, what)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableFile(f"the {what} {path} is not UTF-8 text") from None
