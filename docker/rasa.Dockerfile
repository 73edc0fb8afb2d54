# The Rasa server (and the one-shot `train` service of docker/compose.yml), in its own environment:
# Rasa 3.6 pins SQLAlchemy 1.4, pydantic 1 and old packaging, so it never shares a venv with our code.
# Build from the project root (compose does): docker build -f docker/rasa.Dockerfile .
#
# The base is pinned by version and digest. The digest could not be pulled on the machine these files
# were written on (no Docker engine); if a build says "not found", take the current one from
# `docker buildx imagetools inspect python:3.10.20-slim-bookworm` or pass
# --build-arg PYTHON_IMAGE=python:3.10.20-slim-bookworm.
ARG PYTHON_IMAGE=python:3.10.20-slim-bookworm@sha256:ff7161e2b8e2a56fc6a62a6099ff8feb72f1a6dbae9860cdcb9a6c65cf4c6be9

FROM ${PYTHON_IMAGE} AS build
# The venv lives where puente/stack.py looks for it (<root>/.venvs/rasa), so `python -m puente.stack train`
# works unchanged in the image; a venv cannot be moved, so it is built at its final path.
RUN python -m venv /app/.venvs/rasa
COPY requirements/rasa.lock /tmp/rasa.lock
RUN /app/.venvs/rasa/bin/python -m pip install --no-cache-dir --disable-pip-version-check -r /tmp/rasa.lock \
    && /app/.venvs/rasa/bin/python -m pip check

FROM ${PYTHON_IMAGE}
# 10001: a fixed uid, so volume ownership and orchestrators' runAsNonRoot checks are predictable.
RUN groupadd --system --gid 10001 puente \
    && useradd --system --uid 10001 --gid puente --create-home --home-dir /home/puente puente
COPY --from=build /app/.venvs/rasa /app/.venvs/rasa
WORKDIR /app
# Only what the Rasa server loads and what the model is trained from (puente/stack.py TRAINING_INPUTS);
# the code stays root-owned and read-only for the server.
COPY config.yml credentials.yml ./
COPY domain/ domain/
COPY nlu/ nlu/
COPY stories/ stories/
COPY rasa_plugins/ rasa_plugins/
COPY puente/ puente/
COPY docker/endpoints.yml docker/endpoints.yml
COPY docker/rasa-start.sh /usr/local/bin/rasa-start
# models/ is the shared volume the train service writes and the replicas read; var/ holds the training
# log and Rasa's training cache. Created here so a new named volume takes this owner.
RUN chmod 0755 /usr/local/bin/rasa-start \
    && mkdir -p /app/models /app/var \
    && chown puente:puente /app/models /app/var
ENV PATH=/app/.venvs/rasa/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    RASA_TELEMETRY_ENABLED=false \
    RASA_CACHE_DIRECTORY=/app/var/rasa-cache \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    TF_CPP_MIN_LOG_LEVEL=2
USER 10001:10001
EXPOSE 5005
# /status answers 200 only once a model is loaded (409 before), so "healthy" means "can answer".
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5005/status', timeout=4)"]
CMD ["rasa-start"]
