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

DEFAULT_PREVIEW_URL_TEMPLATE = "https://preview.aclanthology.org/{slug}/"
"""The Anthology's current preview scheme."""

LEGACY_PREVIEW_URL_TEMPLATE = "https://preview.aclanthology.org/{branch}/"
"""The older scheme: the branch name as the folder."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SLUG_PREFIX_LENGTH = 60
_SLUG_HASH_LENGTH = 12


class PreviewTemplateError(ValueError):
    """The preview URL template has a placeholder other than ``{slug}`` and ``{branch}``."""


def preview_slug(branch: str) -> str:
    """The folder name of a branch's preview build (the current scheme)."""
    readable = _UNSAFE.sub("-", branch).strip("-._")[:_SLUG_PREFIX_LENGTH]
    digest = hashlib.sha256(branch.encode("utf-8")).hexdigest()[:_SLUG_HASH_LENGTH]
    return f"{readable}-{digest}"


def check_template(template: str) -> None:
    """Raise :class:`PreviewTemplateError` unless ``template`` formats with slug and branch."""
    try:
        template.format(slug="s", branch="b")
    except (KeyError, IndexError, ValueError) as exc:
        raise PreviewTemplateError(
            f"PREVIEW_URL_TEMPLATE may only use {{slug}} and {{branch}} ({exc!s})"
        ) from None
    if not template.startswith(("https://", "http://")):
        raise PreviewTemplateError("PREVIEW_URL_TEMPLATE must be an http(s) URL")


def preview_url(branch: str, template: str = DEFAULT_PREVIEW_URL_TEMPLATE) -> str:
    """The address of a branch's preview build, always ending with ``/``."""
    url = template.format(slug=preview_slug(branch), branch=branch)
    return url if url.endswith("/") else url + "/"


def preview_page_url(branch: str, page: str, template: str = DEFAULT_PREVIEW_URL_TEMPLATE) -> str:
    """An author page (``jane-doe`` or ``jane-doe/unverified``) on a branch's preview."""
    return f"{preview_url(branch, template)}people/{page}/"
