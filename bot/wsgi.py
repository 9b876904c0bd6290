"""The web process's entry point for gunicorn: ``gunicorn 'bot.wsgi:create_app_from_env()'``.

It sits beside the command line, at the top of the import graph, because it
does the one GitHub call the web process makes: when the bot is a GitHub App
and ``BOT_LOGIN`` is not set, it asks ``GET /app`` once, at start, for the
App's login (so that the bot's own events are recognised). Everything the web
process does per request is in ``bot.web``, which never talks to GitHub.
"""

from __future__ import annotations

import logging

from flask import Flask

from bot.config import ConfigError, Settings
from bot.io.github import with_app_login
from bot.logs import configure_logging
from bot.web.app import create_app

log = logging.getLogger(__name__)


def create_app_from_env() -> Flask:
    """The app configured from the environment."""
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.secrets)
    if settings.needs_app_login:
        settings = with_app_login(settings)
    try:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        return create_app(settings)
    except ConfigError as exc:
        log.error("cannot start: %s", exc)
        raise
