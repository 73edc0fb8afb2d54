"""`python -m actions [--port N] [--host H]`: the action server (rasa-sdk) with Puente's logging.

What `python -m rasa_sdk --actions actions` does, with two differences:
- logs go through puente.logs (LOG_FORMAT, LOG_LEVEL), no Sanic access lines;
- an action that crashes answers Rasa with its name only. rasa-sdk's own handler sends the whole
  request back (the tracker: everything the person wrote, their name and phone), and the Rasa
  server puts that answer in its error log.
It listens on 127.0.0.1 unless told otherwise (--host, or SANIC_HOST as rasa-sdk reads it), and
answers only calls that carry the shared secret Rasa sends (puente/keys.py, endpoints.yml): a forged
tracker could otherwise make any action act for any person.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from puente import keys, logs, settings

log = logging.getLogger("actions.server")


def app() -> Sanic:
    server = create_app("actions", cors_origins=None)

    async def crashed(request: Request, exception: Exception) -> HTTPResponse:
        try:
            call = json.loads(request.body)
        except ValueError:  # a compressed body (COMPRESS_ACTION_SERVER_REQUEST) or not JSON
            call = None
        name = call.get("next_action") if isinstance(call, dict) else None
        # Where it failed, without the exception's message: that may quote a slot's value.
        where = "".join(traceback.format_tb(exception.__traceback__))
        log.error("action %s failed: %s", name, type(exception).__name__, extra={"traceback": where})
        return response.json({"error": "the action failed", "action_name": name}, status=500)

    server.error_handler.add(Exception, crashed)  # replaces rasa-sdk's, which echoes the request

    secret = keys.action_secret()

    async def only_rasa(request: Request) -> HTTPResponse | None:
        if request.path == "/health":  # says nothing, and the stack and Docker poll it
            return None
        if not keys.same(request.headers.get(keys.ACTION_SECRET_HEADER), secret):
            log.warning("refused a call to %s without the action secret", request.path)
            return response.json({"error": "not allowed"}, status=401)
        return None

    server.register_middleware(only_rasa, "request")
    return server


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions", description=__doc__)
    parser.add_argument("--port", type=int, default=None, help="default: ACTION_PORT (5055)")
    parser.add_argument("--host", default=os.environ.get("SANIC_HOST", "127.0.0.1"))
    args = parser.parse_args(argv)
    logs.configure("actions")
    port = args.port or settings.load().action_port
    server = app()
    plugin_manager().hook.attach_sanic_app_extensions(app=server)
    log.info("action server on http://%s:%d", args.host, port)
    server.run(args.host, port, workers=utils.number_of_sanic_workers(), access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
