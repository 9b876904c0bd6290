"""The Dockerfile's commands, run outside Docker (Docker itself is not available here).

The test reads the commands from the Dockerfile (``CMD``, ``HEALTHCHECK``, the
documented worker command) and runs them as the image would, with the
repository root standing in for ``/app``: gunicorn must serve
``bot.wsgi:create_app_from_env()`` and answer ``/healthz``, the health check
command must pass against it, and ``python -m bot worker --once`` must run.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO_ROOT / "Dockerfile"
BIN = Path(sys.executable).parent


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    joined = re.sub(r"\\\n\s*", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, rest = line.partition(" ")
            out.append((name.upper(), rest.strip()))
    return out


def exec_form(arguments: str) -> list[str]:
    """The JSON array of an exec-form CMD (after any options)."""
    return json.loads(arguments[arguments.index("[") :])


def image_command(argv: list[str], port: int) -> list[str]:
    """The image's command for this machine: local executables, a free local port."""
    resolved = []
    for index, arg in enumerate(argv):
        if index == 0 and (BIN / arg).exists():
            arg = str(BIN / arg)
        resolved.append(arg.replace("0.0.0.0:8000", f"127.0.0.1:{port}").replace("8000", str(port)))
    return resolved


def image_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "BOT_", "GITHUB_"))}
    env.update(
        PYTHONPATH=str(REPO_ROOT),  # the image's /app
        PYTHONUNBUFFERED="1",
        BOT_STATE_DIR=str(tmp_path / "state"),
        GITHUB_WEBHOOK_SECRET="container-test-secret",
        PATH=f"{BIN}:{env.get('PATH', '')}",
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_dockerfile_shape() -> None:
    steps = instructions()
    names = [name for name, _ in steps]
    assert steps[0] == ("FROM", "python:3.11-slim")
    assert any(name == "RUN" and "install" in args and " git" in args for name, args in steps)
    assert any(name == "RUN" and "pip install --no-cache-dir ." in args for name, args in steps)
    user = next(args for name, args in steps if name == "USER")
    assert user not in ("root", "0")
    assert names.index("USER") < names.index("CMD")
    health = exec_form(next(args for name, args in steps if name == "HEALTHCHECK"))
    assert health[:4] == ["python", "-m", "bot", "healthcheck"]  # both roles (bot.worker.health)
    cmd = exec_form(next(args for name, args in steps if name == "CMD"))
    assert cmd[0] == "gunicorn" and cmd[-1] == "bot.wsgi:create_app_from_env()"
    assert "python -m bot worker" in DOCKERFILE.read_text(encoding="utf-8")


def test_web_command_serves_healthz_and_passes_the_healthcheck(tmp_path: Path) -> None:
    steps = instructions()
    port = free_port()
    cmd = image_command(exec_form(next(a for n, a in steps if n == "CMD")), port)
    env = image_env(tmp_path)
    (tmp_path / "state").mkdir()
    server = subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.RequestException:  # not up yet, or slow to answer its first request
                if server.poll() is not None or time.monotonic() > deadline:
                    output = server.stdout.read().decode() if server.stdout else ""
                    pytest.fail(f"gunicorn did not start:\n{output}")
                time.sleep(0.1)
        assert response.status_code == 200 and response.json() == {"status": "ok"}
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200

        health = image_command(exec_form(next(a for n, a in steps if n == "HEALTHCHECK")), port)
        health[0] = sys.executable if health[0] == "python" else health[0]
        checked = subprocess.run(
            health, env=env, timeout=30, check=False, capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.startswith("healthy (web)")
    finally:
        server.terminate()
        server.wait(timeout=30)
    stopped = subprocess.run(health, env=env, timeout=30, check=False, capture_output=True)
    assert stopped.returncode == 1


def test_worker_command_runs(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bot", "worker", "--once"]
    ok = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=image_env(tmp_path, GITHUB_TOKEN="not-used-with-an-empty-queue"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    logged = [json.loads(line) for line in ok.stderr.splitlines() if line.startswith("{")]
    assert [r["message"] for r in logged] == ["worker started", "worker stopped"]
    assert "not-used-with-an-empty-queue" not in ok.stderr

    missing = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=image_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 1
    assert "GITHUB_TOKEN" in missing.stderr


def healthcheck(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "healthcheck", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_worker_container_is_healthy_while_its_worker_runs(tmp_path: Path) -> None:
    """The image's HEALTHCHECK in a worker container checks the worker, not port 8000."""
    from bot.worker.health import heartbeat_path, write_heartbeat

    env = image_env(tmp_path, GITHUB_TOKEN="unused", WORKER_POLL_SECONDS="0.2")
    heartbeat = heartbeat_path(tmp_path / "state")
    # Before the worker has started, a worker check fails (and the start period covers it).
    assert healthcheck(env, "worker").returncode == 1
    worker = subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not heartbeat.exists():
            assert worker.poll() is None and time.monotonic() < deadline, "no heartbeat"
            time.sleep(0.1)
        first = json.loads(heartbeat.read_text())["time"]
        time.sleep(0.6)
        assert json.loads(heartbeat.read_text())["time"] > first  # it keeps beating
        steps = instructions()
        image_check = exec_form(next(a for n, a in steps if n == "HEALTHCHECK"))
        result = healthcheck(env, *image_check[4:])  # no web process here: auto = worker
        assert result.returncode == 0 and result.stdout.startswith("healthy (worker)"), result
        assert healthcheck(env, "worker").returncode == 0
    finally:
        worker.kill()
        worker.wait(timeout=30)
    # A dead worker's heartbeat goes stale: once it is older than the limit, unhealthy.
    write_heartbeat(heartbeat, now=time.time() - 3600)
    stale = healthcheck(env, "worker")
    assert stale.returncode == 1 and "the last heartbeat is 36" in stale.stdout


def test_heartbeat_verdicts() -> None:
    from bot.worker.health import judge_heartbeat, max_heartbeat_age

    assert judge_heartbeat('{"time": 100.0}', now=130.0, max_age=60).healthy
    assert not judge_heartbeat('{"time": 100.0}', now=161.0, max_age=60).healthy
    assert not judge_heartbeat(None, now=1.0, max_age=60).healthy
    assert judge_heartbeat("garbage", 1.0, 60).reason == "the heartbeat file is unreadable"
    # Long jobs renew the lease every third of it, and beat with it.
    assert max_heartbeat_age(poll_seconds=2, lease_seconds=300) == 300
    assert max_heartbeat_age(poll_seconds=0.1, lease_seconds=5) == 60


def test_compose_file_runs_web_workers_and_redis() -> None:
    import yaml

    from bot.__main__ import build_parser

    compose = yaml.safe_load((REPO_ROOT / "deploy" / "compose.yaml").read_text("utf-8"))
    services = compose["services"]
    assert set(services) == {"web", "worker", "redis"}
    web, worker, redis = services["web"], services["worker"], services["redis"]
    cmd = exec_form(next(a for n, a in instructions() if n == "CMD"))
    assert web["command"][0] == "gunicorn" and web["command"][-1] == cmd[-1]
    assert worker["command"] == ["python", "-m", "bot", "worker"]
    assert worker["deploy"]["replicas"] >= 2
    for service, role in ((web, "web"), (worker, "worker")):
        test = service["healthcheck"]["test"]
        assert test[:5] == ["CMD", "python", "-m", "bot", "healthcheck"] and test[5] == role
        assert build_parser().parse_args(test[2 + 2 :]).role == role  # a valid command
        assert service["environment"]["QUEUE_URL"].startswith("redis://redis:")
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
        assert service["env_file"] == "bot.env"
        assert service["build"]["context"] == ".."
        assert "github-app-key" in service["secrets"]
    assert (REPO_ROOT / "deploy" / "bot.env.example").is_file()
    assert compose["secrets"]["github-app-key"]["file"] == "./github-app.pem"
    assert redis["image"].startswith("redis:") and "redis-cli" in redis["healthcheck"]["test"]
    assert "--appendonly" in redis["command"]
    # The web port is published on localhost only: the TLS front end is the way in.
    assert web["ports"] == ["127.0.0.1:8000:8000"]


# -- slow clients (issue 13, case 12) ---------------------------------------------------------

SLOW_CLIENTS = 6
"""More than the old image's two sync workers, fewer than the threads it now has."""


def start_web(tmp_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    """The image's web command on a free local port, answering /healthz."""
    port = free_port()
    cmd = image_command(exec_form(next(a for n, a in instructions() if n == "CMD")), port)
    (tmp_path / "state").mkdir(exist_ok=True)
    server = subprocess.Popen(
        cmd,
        cwd=REPO_ROOT,
        env=image_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return server, port
        except (requests.ConnectionError, requests.Timeout):
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                output = server.stdout.read().decode() if server.stdout else ""
                pytest.fail(f"gunicorn did not start:\n{output}")
            time.sleep(0.1)


def trickle(port: int, stop: threading.Event) -> None:
    """A client that announces a 100 kB body and sends one byte every half second."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"X-GitHub-Event: issues\r\nX-GitHub-Delivery: slow\r\n"
            b"Content-Length: 100000\r\n\r\n{"
        )
        while not stop.wait(0.5):
            try:
                sock.sendall(b" ")
            except OSError:
                return


def test_slow_clients_do_not_starve_a_valid_delivery(tmp_path: Path) -> None:
    from tests.github_standin.webhooks import sign

    server, port = start_web(tmp_path)
    stop = threading.Event()
    slow = [threading.Thread(target=trickle, args=(port, stop)) for _ in range(SLOW_CLIENTS)]
    try:
        for thread in slow:
            thread.start()
        time.sleep(1.5)  # every slow client is in the middle of its body now
        body = json.dumps({"zen": "Keep it logically awesome."}).encode()
        headers = {
            "Content-Type": "application/json",
            "X-GitHub-Event": "ping",
            "X-GitHub-Delivery": "valid-1",
            "X-Hub-Signature-256": sign(body, "container-test-secret"),
        }
        start = time.monotonic()
        answer = requests.post(
            f"http://127.0.0.1:{port}/webhook", data=body, headers=headers, timeout=10
        )
        seconds = time.monotonic() - start
        assert answer.status_code == 200 and answer.json() == {"status": "pong"}
        assert seconds < 2.0, f"a valid delivery waited {seconds:.1f} s behind slow clients"
    finally:
        stop.set()
        for thread in slow:
            thread.join(timeout=5)
        server.terminate()
        server.wait(timeout=30)
