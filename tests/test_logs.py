"""bot.logs: JSON lines with context, secrets scrubbed; bot.worker.faults off by default."""

from __future__ import annotations

import io
import json
import logging

from bot.logs import configure_logging, current_context, log_context
from bot.worker.faults import fault_point


def test_json_lines_carry_context_and_hide_secrets() -> None:
    stream = io.StringIO()
    configure_logging("INFO", secrets=["s3cret-token", 'with "quotes"'], stream=stream)
    log = logging.getLogger("bot.test")
    try:
        with log_context(delivery="d-1", issue=12):
            with log_context(job="issue-12-abc", issue=None):
                log.info("working with s3cret-token", extra={"branch": "bot/x"})
                assert current_context() == {"delivery": "d-1", "issue": 12, "job": "issue-12-abc"}
            log.debug("not shown at INFO")
        log.warning('outside, with "quotes"')
        try:
            raise ValueError("boom s3cret-token")
        except ValueError:
            log.exception("failed")
    finally:
        configure_logging("WARNING", stream=io.StringIO())
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 3
    first, second, third = lines
    assert first["message"] == "working with ***"
    assert (first["delivery"], first["issue"], first["job"], first["branch"]) == (
        "d-1",
        12,
        "issue-12-abc",
        "bot/x",
    )
    assert first["level"] == "INFO" and first["logger"] == "bot.test"
    assert "delivery" not in second and second["message"] == "outside, ***"
    assert "ValueError" in third["exception"] and "s3cret-token" not in third["exception"]


def test_fault_point_does_nothing_without_the_variable(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("BOT_FAULT_AFTER", raising=False)
    fault_point("push")
    monkeypatch.setenv("BOT_FAULT_AFTER", "commit")
    fault_point("push")  # another point: still alive
