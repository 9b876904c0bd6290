# The bot's image: one image, two processes.
#
#   web:    docker run -p 8000:8000 --env-file bot.env -v bot-state:/var/lib/anthology-bot IMAGE
#   worker: docker run --env-file bot.env -v bot-state:/var/lib/anthology-bot IMAGE python -m bot worker
#
# The web process answers GitHub's webhooks (POST /webhook) and queues jobs;
# workers run them (git, GitHub API). With the default SQLite queue, web and
# workers must share the state volume; with QUEUE_URL=redis://... they may run
# on different machines (each worker still needs a state directory of its own
# for its clone). Configuration: environment variables, see bot/config.py.
# deploy/compose.yaml runs web + workers + Redis; docs/deployment.md explains it.
# tests/test_container_commands.py runs these commands outside Docker.

FROM python:3.11-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin bot \
    && mkdir -p /var/lib/anthology-bot \
    && chown bot:bot /var/lib/anthology-bot

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY issue_templates ./issue_templates
RUN pip install --no-cache-dir .

# The issue parser reads issue_templates/ next to the bot package: run the bot
# from /app (the same code pip installed) so that it finds the template.
ENV PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    BOT_STATE_DIR=/var/lib/anthology-bot

USER bot
VOLUME ["/var/lib/anthology-bot"]
EXPOSE 8000

# One check for both roles (bot/health.py): a worker container is healthy while its
# worker's heartbeat file is fresh, a web container while GET /healthz answers 200.
# deploy/compose.yaml names the role explicitly (healthcheck web / worker).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "bot", "healthcheck", "--port", "8000"]

# Threaded workers (bot/gunicorn_conf.py says why): slow clients cannot starve the
# webhook. On the open internet put a buffering proxy in front (docs/operations.md).
CMD ["gunicorn", "--config", "python:bot.gunicorn_conf", "--bind", "0.0.0.0:8000", "bot.wsgi:create_app_from_env()"]
