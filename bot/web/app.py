"""The web process: receives GitHub's webhooks and queues jobs; serves health and demo pages.

``POST /webhook``
    1. verifies ``X-Hub-Signature-256`` against the raw body (bad or missing:
       401, nothing recorded);
    2. answers ``ping`` events;
    3. asks the router (``bot.web.triage``) whether the event matters, from the
       payload alone (no GitHub or git work happens in a request);
    4. records the ``X-GitHub-Delivery`` id together with the jobs it creates,
       in one transaction of the job store. A repeated id is answered 200 and
       ignored; an irrelevant event 200; queued work 202.

    Every refusal is a JSON ``{"error": ...}`` saying why: 400 for a body that
    is not a JSON object or a payload the triage cannot read (logged with its
    traceback, not recorded, so it can be redelivered), 413 above 25 MB, 503
    when the job store cannot be reached.

    GitHub wants an answer within 10 seconds; this takes milliseconds.

``GET /healthz``
    The process is alive (for the container's HEALTHCHECK).

``GET /readyz``
    The process can do its job: the job store answers, the state directory is
    writable, the data clone (if one exists there) is a git repository, the
    workers sharing the state directory have no data repository problem on
    record (``bot.queue.data_status``: unreachable, or its data broken) and the demo
    data (if configured) is open. 503 with the failing checks otherwise.

``GET /demo/author/<page>``
    The demo author pages with the "Fixing paper assignments" dialog
    (``bot.dialog.demo_pages``), when ``DEMO_DATA_DIR`` is set. Their data index is an
    SQLite connection usable only by the thread that opened it: serve the demo
    pages with one thread per process (werkzeug's default, gunicorn's ``sync``
    workers, which ``bot.gunicorn_conf`` picks when ``DEMO_DATA_DIR`` is set).

Production runs ``gunicorn -c python:bot.gunicorn_conf 'bot.wsgi:create_app_from_env()'``
(threaded workers, so slow clients cannot starve deliveries; see that module);
``python -m bot serve`` runs werkzeug's server for local use.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

from bot.config import Settings
from bot.dialog.demo_pages import register_demo_pages
from bot.logs import log_context
from bot.queue.data_status import read_problem
from bot.queue.jobs import JobStore
from bot.queue.sqlite_store import StoreFileGone
from bot.queue.stores import open_store
from bot.web.own_login import LoginUnknown, OwnLogin, fetch_token_login
from bot.web.router import EventContext, PayloadError, Router, event_context
from bot.web.signature import SIGNATURE_HEADER, is_valid_signature
from bot.web.triage import default_router

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 25 * 1024 * 1024
"""GitHub caps webhook payloads at 25 MB."""

STORE_TIMEOUT = 1.5
"""Seconds one job store operation may take in the web process (SQLite's lock, Redis's
answer): GitHub waits 10 s for a delivery, and the answer must come within 2 s; a store
that cannot answer in time gives a 503, which GitHub shows as failed and can redeliver."""

MAX_DELIVERY_ID_LENGTH = 100
MAX_EVENT_LENGTH = 100


def _own_login(settings: Settings) -> OwnLogin:
    """``BOT_LOGIN``, or (with a token) the token's login from GitHub (``bot.web.own_login``)."""
    token, api = settings.github_token, settings.github_api_url
    lookup = (lambda: fetch_token_login(api, token)) if token else None
    return OwnLogin(settings.bot_login, lookup)


def create_app(
    settings: Settings, store: JobStore | None = None, router: Router | None = None
) -> Flask:
    """The Flask app: webhook receiver, health checks and (if configured) demo pages."""
    secret = settings.require_webhook_secret()
    store = store if store is not None else open_store(settings.queue_url, timeout=STORE_TIMEOUT)
    router = router if router is not None else default_router()
    own_login = _own_login(settings)

    app = Flask("bot")
    app.config["MAX_CONTENT_LENGTH"] = MAX_PAYLOAD_BYTES
    app.config["ANTHOLOGY_REPO"] = settings.anthology_repo
    app.config["ISSUE_FORM_BASE"] = settings.issue_form_base
    app.extensions["anthology_bot"] = {"settings": settings, "store": store}

    @app.post("/webhook")
    def webhook() -> ResponseReturnValue:
        body = request.get_data(cache=False)
        delivery = request.headers.get("X-GitHub-Delivery", "")[:MAX_DELIVERY_ID_LENGTH]
        event = request.headers.get("X-GitHub-Event", "")
        if not is_valid_signature(body, request.headers.get(SIGNATURE_HEADER), secret):
            log.warning(
                "rejected a delivery with a missing or wrong signature",
                extra={"delivery": delivery or None, "event": event or None},
            )
            return jsonify(error="missing or invalid signature"), 401
        if not delivery or not event:
            return jsonify(error="X-GitHub-Delivery and X-GitHub-Event are required"), 400
        if len(event) > MAX_EVENT_LENGTH:
            return jsonify(error="X-GitHub-Event is not the name of a GitHub event"), 400
        with log_context(delivery=delivery, event=event):
            if event == "ping":
                return jsonify(status="pong"), 200
            try:
                payload = json.loads(body)
            except (ValueError, UnicodeDecodeError, RecursionError):
                return jsonify(error="the body is not JSON"), 400
            if not isinstance(payload, dict):
                return jsonify(error="the body is not a JSON object"), 400
            action = payload.get("action") if isinstance(payload.get("action"), str) else None
            login = None
            if router.handles(event, action):
                try:
                    login = own_login.get()
                except LoginUnknown as exc:
                    log.error("the bot's own login is not known: %s", exc)
                    return jsonify(
                        error=f"the bot's own login is not known ({exc}); set BOT_LOGIN, "
                        "or redeliver later"
                    ), 503
            context = event_context(settings, login)
            return _accept(store, router, context, delivery, event, payload)

    @app.errorhandler(413)
    def too_large(_: Exception) -> ResponseReturnValue:
        limit = MAX_PAYLOAD_BYTES // (1024 * 1024)
        return jsonify(error=f"the body is larger than GitHub's limit of {limit} MB"), 413

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        return jsonify(status="ok"), 200

    @app.get("/readyz")
    def readyz() -> ResponseReturnValue:
        checks = readiness_checks(app, settings, store)
        ready = all(ok for ok, _ in checks.values())
        body = {name: {"ok": ok, "detail": detail} for name, (ok, detail) in checks.items()}
        return jsonify(ready=ready, checks=body), 200 if ready else 503

    _register_demo_pages(app, settings)
    return app


def _accept(
    store: JobStore,
    router: Router,
    context: EventContext,
    delivery: str,
    event: str,
    payload: dict[str, Any],
) -> ResponseReturnValue:
    action = payload.get("action") if isinstance(payload.get("action"), str) else None
    issue = payload.get("issue") if isinstance(payload.get("issue"), dict) else {}
    with log_context(action=action, issue=issue.get("number")):
        try:
            requests = router.dispatch(event, payload, context)
        except PayloadError as exc:  # a value no GitHub event has: say which, no traceback
            log.warning("refused a delivery: %s", exc)
            return jsonify(error=str(exc)), 400
        except Exception:  # a payload out of shape (or a triage bug): not recorded, redeliverable
            log.exception("could not triage the delivery; it was not recorded")
            return jsonify(error="the payload does not have the shape of this GitHub event"), 400
        try:
            accepted = store.accept(delivery, event, action, requests)
        except Exception:
            log.exception("could not record the delivery")
            return jsonify(error="the job store is unavailable; redeliver later"), 503
        if accepted.duplicate:
            log.info("ignored a repeated delivery")
            return jsonify(status="duplicate"), 200
        if not requests:
            return jsonify(status="ignored"), 200
        for job_id, coalesced in zip(accepted.job_ids, accepted.coalesced, strict=True):
            log.info(
                "merged into the queued job" if coalesced else "queued a job",
                extra={"job": job_id},
            )
        return jsonify(status="queued", jobs=list(accepted.job_ids)), 202


def readiness_checks(
    app: Flask, settings: Settings, store: JobStore
) -> dict[str, tuple[bool, str]]:
    """Name -> (ok, detail) for every readiness condition."""
    checks: dict[str, tuple[bool, str]] = {}
    try:
        store.ping()
        checks["job_store"] = (True, "reachable")
    except StoreFileGone as exc:
        checks["job_store"] = (False, str(exc))
    except Exception as exc:  # any driver error means not ready
        checks["job_store"] = (False, f"unreachable: {type(exc).__name__}")
    state = settings.state_dir
    writable = state.is_dir() and os.access(state, os.W_OK)
    checks["state_dir"] = (writable, "writable" if writable else "missing or not writable")
    clone = state / "clone"
    if clone.exists():
        valid = (clone / ".git" / "HEAD").is_file()
        checks["data_clone"] = (valid, "a git clone" if valid else "not a git clone")
    problem = read_problem(state)
    if problem is not None:
        checks["data_repository"] = (False, problem.describe())
    if settings.demo_data_dir is not None:
        has_data = app.config.get("ANTHOLOGY_DATA") is not None
        checks["demo_data"] = (has_data, "open" if has_data else "could not be opened")
    return checks


def _register_demo_pages(app: Flask, settings: Settings) -> None:
    """Serve the demo author pages when a data directory is configured."""
    if settings.demo_data_dir is not None:
        index = settings.state_dir / "index" / "demo.sqlite"
        register_demo_pages(app, Path(settings.demo_data_dir), index)
