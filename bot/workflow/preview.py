"""Preview builds: where the Anthology publishes a pushed branch, and its author pages there.

Every branch pushed to the Anthology repository (by an account with maintain
permission) is built and published on ``preview.aclanthology.org``. The
current scheme names the folder by a *slug* of the branch name, so that any
branch name gives a safe, unique folder::

    slug = re.sub('[^A-Za-z0-9._-]+', '-', branch).strip('-._')[:60]
           + '-' + sha256(branch).hexdigest()[:12]
    https://preview.aclanthology.org/<slug>/

The older scheme used the branch name itself (``.../<branch>/``). The scheme is
a template (``PREVIEW_URL_TEMPLATE``) with the placeholders ``{slug}`` and
``{branch}``, so a change on the Anthology's side is a configuration change.
"""

from __future__ import annotations

import hashlib
import re

from bot.config import DEFAULT_PREVIEW_URL_TEMPLATE

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SLUG_PREFIX_LENGTH = 60
_SLUG_HASH_LENGTH = 12


def preview_slug(branch: str) -> str:
    """The folder name of a branch's preview build (the current scheme)."""
    readable = _UNSAFE.sub("-", branch).strip("-._")[:_SLUG_PREFIX_LENGTH]
    digest = hashlib.sha256(branch.encode("utf-8")).hexdigest()[:_SLUG_HASH_LENGTH]
    return f"{readable}-{digest}"


def preview_url(branch: str, template: str = DEFAULT_PREVIEW_URL_TEMPLATE) -> str:
    """The address of a branch's preview build, always ending with ``/``."""
    url = template.format(slug=preview_slug(branch), branch=branch)
    return url if url.endswith("/") else url + "/"


def preview_page_url(branch: str, page: str, template: str = DEFAULT_PREVIEW_URL_TEMPLATE) -> str:
    """An author page (``jane-doe`` or ``jane-doe/unverified``) on a branch's preview."""
    return f"{preview_url(branch, template)}people/{page}/"
