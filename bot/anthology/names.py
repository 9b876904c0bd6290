"""Personal names as the Anthology writes them, and their slugs.

A name has a ``first`` part (absent for mononyms such as ``Mausam``) and a ``last``
part. Two names are the same name when first and last are equal; the ``script``
of a non-Latin variant does not take part in equality (as in the
``acl-anthology`` library). The slug of a name decides which author page an
author slot without an explicit id lands on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from slugify import slugify

# The Anthology turns these apostrophes into hyphens before slugifying.
_SLUG_REPLACEMENTS = [["ʼ", "-"], ["’", "-"]]


@lru_cache(maxsize=65536)
def slugify_text(text: str) -> str:
    """The slug of a full name, exactly as the Anthology computes it."""
    return slugify(text, replacements=_SLUG_REPLACEMENTS)


@dataclass(frozen=True)
class Name:
    """A name as written on a paper or in people.json."""

    first: str | None
    last: str
    script: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.first == "":
            object.__setattr__(self, "first", None)

    def as_first_last(self) -> str:
        return f"{self.first} {self.last}" if self.first else self.last

    def slug(self) -> str:
        return slugify_text(self.as_first_last())

    def is_resplit_of(self, other: Name) -> bool:
        """Whether this name has exactly the words of ``other``, in another order or split
        into first and last otherwise: ``Do Xuan`` + ``Long`` of ``Xuan Long`` + ``Do``.

        Such a name is how a person asks for a printed name to be shown in their order
        (maintainers re-split the name in people.json; the papers stay as printed).
        """
        return sorted(self.as_first_last().split()) == sorted(other.as_first_last().split())

    def to_json(self) -> dict[str, str]:
        """The people.json form: ``{"first": ..., "last": ..., "script": ...}``."""
        out = (
            {"first": self.first, "last": self.last}
            if self.first is not None
            else {"last": self.last}
        )
        if self.script is not None:
            out["script"] = self.script
        return out

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Name:
        return cls(data.get("first"), data["last"], data.get("script"))

    def __str__(self) -> str:
        return self.as_first_last()
