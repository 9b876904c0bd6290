"""Triage: which webhook events matter, one module per feature, each with its own router.

``default_router`` composes them; the web app dispatches every verified delivery to it.
"""

from __future__ import annotations

from bot.web.router import Router
from bot.web.triage import comments, issues, pulls, push


def default_router() -> Router:
    """Every feature's triage functions in one router."""
    return Router(issues.router, comments.router, pulls.router, push.router)
