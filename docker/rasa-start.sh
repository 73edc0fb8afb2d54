#!/bin/sh
# Starts one Rasa replica (the rasa-N services of docker/compose.yml).
#
# It serves models/puente-<hash>.tar.gz, where <hash> is the fingerprint puente/stack.py takes of the
# training inputs baked into this image (config.yml, domain/, nlu/, stories/, rasa_plugins/). So every
# replica of one image serves the same model, and a replica never serves a model trained from other data
# or other plugin code (`rasa run --model models/` would take the newest file, even after a rollback).
set -eu
model="$(python -c 'from puente.stack import model_path; print(model_path())')"
if [ ! -f "$model" ]; then
  echo "rasa: no model $model for this image's training data." >&2
  echo "rasa: train it first: docker compose -f docker/compose.yml run --rm train" >&2
  exit 1
fi
# rasa_plugins.serve: `rasa run` with the API token from RASA_TOKEN (kept off the command line).
exec python -m rasa_plugins.serve run --enable-api --interface 0.0.0.0 --port 5005 \
  --model "$model" --endpoints docker/endpoints.yml --credentials credentials.yml "$@"
