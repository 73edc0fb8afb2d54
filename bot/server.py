"""Runs the gateway: the channels that are configured, the HTTP endpoint for webhooks and health,
and the background workers (retries, notifications). `python -m bot` runs it alone;
`make run` starts it beside Rasa when a channel is configured."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from dataclasses import dataclass, field

import uvicorn
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot import telegram, whatsapp
from bot.desk import Desk
from bot.gateway import Gateway
from bot.rasa_client import RasaClient
from bot.webhook import capped_body
from puente import keys, logs, settings
from records import db

log = logging.getLogger("puente.gateway")


@dataclass
class Running:
    gateway: Gateway
    server: uvicorn.Server
    telegram_app: Application | None = None
    whatsapp_channel: whatsapp.WhatsAppChannel | None = None
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[object]] = field(default_factory=list)

    @property
    def url(self) -> str:
        config = self.server.config
        return f"http://{config.host}:{config.port}"


def http_app(gateway: Gateway, conf: settings.Settings, telegram_app: Application | None, secret: str) -> Starlette:
    async def health(request: Request) -> Response:
        try:
            await gateway.db(lambda s: s.execute(text("SELECT 1")))
            database = "ok"
        except Exception:
            database = "unavailable"
        body = {"status": "ok" if database == "ok" else "degraded", "database": database,
                "channels": sorted(gateway.channels), "mediators": gateway.desk is not None,
                "outcomes": dict(gateway.outcomes)}  # fmt: skip
        return JSONResponse(body, status_code=200 if database == "ok" else 503)

    routes = [Route("/health", health)]
    if conf.whatsapp:
        routes += whatsapp.routes(conf.whatsapp, gateway)
    if telegram_app is not None and secret:

        async def telegram_webhook(request: Request) -> Response:
            given = request.headers.get("x-telegram-bot-api-secret-token", "")
            if not keys.same(given, secret):  # on bytes: a non-ASCII header is a 403, not a 500
                return PlainTextResponse("forbidden", status_code=403)
            body = await capped_body(request)
            if body is None:
                return PlainTextResponse("too large", status_code=413)
            try:
                update = Update.de_json(json.loads(body), telegram_app.bot)
            except ValueError:
                return PlainTextResponse("bad request", status_code=400)
            await telegram_app.process_update(update)
            return PlainTextResponse("ok")

        routes.append(Route("/telegram", telegram_webhook, methods=["POST"]))
    return Starlette(routes=routes)


async def start(conf: settings.Settings, poll_timeout: int = 10, owner: str | None = None) -> Running:
    rasa = RasaClient(conf.gateway.replicas, timeout=60)
    gateway = Gateway(db.engine_for(conf.database_url), rasa, conf.gateway, owner)
    telegram_app = telegram.build(conf.telegram, gateway) if conf.telegram else None
    if telegram_app is not None and conf.handoff.group_chat_id is not None:
        channel = gateway.channels[telegram.NAME]
        assert isinstance(channel, telegram.TelegramChannel)
        gateway.desk = Desk(gateway, channel, conf.handoff, conf.translator)
    secret = await telegram.start(telegram_app, conf.telegram, poll_timeout) if telegram_app and conf.telegram else ""
    whatsapp_channel = None
    if conf.whatsapp:
        whatsapp_channel = whatsapp.WhatsAppChannel(conf.whatsapp, gateway)
        gateway.add_channel(whatsapp_channel)
    server = uvicorn.Server(
        uvicorn.Config(
            http_app(gateway, conf, telegram_app, secret), host=conf.gateway.host, port=conf.gateway.port,
            log_level="warning", lifespan="off", access_log=False, log_config=None,  # logs: ours
            # No websockets (sanic, via rasa-sdk, pins an old websockets uvicorn cannot use), plain asyncio.
            ws="none", loop="asyncio", http="h11",
        )
    )  # fmt: skip
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # ours, below
    running = Running(gateway, server, telegram_app, whatsapp_channel)
    running.tasks.append(asyncio.create_task(server.serve()))
    while not server.started:
        if running.tasks[0].done():
            raise RuntimeError(f"the gateway's HTTP server did not start on port {conf.gateway.port}")
        await asyncio.sleep(0.05)
    running.tasks.append(asyncio.create_task(gateway.run_workers(running.stop_event)))
    log.info("gateway up: channels %s, http %s", sorted(gateway.channels), running.url)
    return running


async def stop(running: Running) -> None:
    running.stop_event.set()
    if running.telegram_app is not None:
        await telegram.stop(running.telegram_app)
    running.server.should_exit = True
    await asyncio.gather(*running.tasks, return_exceptions=True)
    await running.gateway.close()
    await running.gateway.rasa.close()
    if running.whatsapp_channel is not None:
        await running.whatsapp_channel.close()


async def serve(conf: settings.Settings) -> None:
    running = await start(conf)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, running.stop_event.set)
    channels = ", ".join(sorted(running.gateway.channels))
    print(f"gateway: {channels} connected; health at {running.url}/health. Ctrl-C stops.", flush=True)
    await running.stop_event.wait()
    await stop(running)


def main() -> None:
    logs.configure("gateway")  # LOG_FORMAT, LOG_LEVEL; keeps httpx (URLs with the bot token) quiet
    conf = settings.load()
    if not conf.telegram and not conf.whatsapp:
        raise SystemExit("no channel configured: set TELEGRAM_TOKEN or the WHATSAPP_* variables (see .env.example)")
    asyncio.run(serve(conf))
