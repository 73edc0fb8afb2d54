"""Configuration from environment variables, with working defaults (see .env.example)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from puente import office
from puente.office import OfficeHours

ROOT = Path(__file__).resolve().parents[1]


def _load_dotenv(path: Path) -> None:
    """Reads KEY=VALUE lines from .env without overriding the real environment."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


def app_database_url(url: str) -> str:
    """SQLAlchemy 2 URL for our code: plain postgresql:// means psycopg 3 here."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def tracker_database_url() -> str:
    """Where the Rasa server keeps conversations (SQLAlchemy 1.4 and psycopg2 in its environment).

    Beside the records on PostgreSQL (own tables); a file of its own with SQLite, so the two
    processes never wait on one file lock.
    """
    _load_dotenv(ROOT / ".env")
    url = os.environ.get("TRACKER_DATABASE_URL", "")
    if not url:
        records = os.environ.get("DATABASE_URL", "")
        is_pg = records.startswith(("postgresql", "postgres://"))
        url = records if is_pg else f"sqlite:///{ROOT / 'var' / 'tracker.db'}"
    if url.startswith(("postgresql", "postgres://")):
        return "postgresql://" + url.split("://", 1)[1]  # psycopg2, the driver of Rasa's environment
    return url


def lock_store_url() -> str:
    """LOCK_STORE_URL: Rasa's lock store on Redis, needed when several Rasa replicas share the
    conversations; empty (the default) keeps Rasa's in-memory lock store of one server."""
    _load_dotenv(ROOT / ".env")
    return os.environ.get("LOCK_STORE_URL", "").strip()


def lock_store_endpoint(url: str) -> dict[str, Any] | None:
    """`redis://[[user]:password@]host[:port][/db][?key_prefix=abc]` -> the `lock_store` section of
    Rasa's endpoints.yml (its RedisLockStore takes the host as `url`); None for an empty URL."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise SystemExit(f"LOCK_STORE_URL: expected redis://host:port/db, got {url!r}")
    endpoint: dict[str, Any] = {"type": "redis", "url": parts.hostname, "port": parts.port or 6379}
    db = parts.path.strip("/")
    endpoint["db"] = int(db) if db.isdigit() else 1  # Rasa's default database
    if parts.username:
        endpoint["username"] = unquote(parts.username)
    if parts.password:
        endpoint["password"] = unquote(parts.password)
    if parts.scheme == "rediss":
        endpoint["use_ssl"] = True
    prefix = parse_qs(parts.query).get("key_prefix", [""])[0]
    if prefix:
        if not prefix.isalnum():  # Rasa would ignore it with a warning and share keys with others
            raise SystemExit(f"LOCK_STORE_URL: key_prefix must be letters and digits, got {prefix!r}")
        endpoint["key_prefix"] = prefix
    return endpoint


def parse_rasa_urls(spec: str) -> tuple[str, ...]:
    """RASA_URLS `http://rasa-1:5005, http://rasa-2:5005` -> the replicas, in order, once each."""
    urls = [u.strip().rstrip("/") for u in spec.split(",") if u.strip()]
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise SystemExit(f"RASA_URLS: {url!r} is not an http:// or https:// address")
    return tuple(dict.fromkeys(urls))


@dataclass(frozen=True)
class Telegram:
    token: str
    api_url: str = "https://api.telegram.org"
    # Empty: long polling (works behind NAT, no public address needed). Else the public HTTPS URL
    # of the gateway's /telegram route.
    webhook_url: str = ""
    webhook_secret: str = ""


@dataclass(frozen=True)
class WhatsApp:
    token: str
    phone_number_id: str
    app_secret: str
    verify_token: str
    api_url: str = "https://graph.facebook.com/v21.0"
    # An approved template with one body parameter, for notifications outside the 24-hour window.
    template: str = ""


@dataclass(frozen=True)
class Gateway:
    host: str = "127.0.0.1"
    port: int = 8088
    rasa_url: str = "http://127.0.0.1:5005"
    # Several Rasa replicas (RASA_URLS); empty: `rasa_url` alone. Each sender sticks to one replica.
    rasa_urls: tuple[str, ...] = ()
    # Per person: a burst of this many messages, then one more every `rate_interval` seconds.
    rate_burst: int = 8
    rate_interval: float = 3.0
    # How many messages the gateway has in Rasa at once, all people together.
    rasa_concurrency: int = 8
    retry_interval: float = 5.0

    @property
    def replicas(self) -> tuple[str, ...]:
        return self.rasa_urls or (self.rasa_url,)


TRANSLATOR_BACKENDS = ("libre", "google", "microsoft")


@dataclass(frozen=True)
class Translator:
    """Machine translation. Nothing leaves the machine for a language pair without a backend here."""

    # ("es-ar", "libre"), ...; "*" stands for any language ("ht-*", "*"); "none" turns a pair off.
    backends: tuple[tuple[str, str], ...] = ()
    libre_url: str = ""  # a self-hosted LibreTranslate (it has no Haitian Creole)
    libre_api_key: str = ""
    microsoft_key: str = ""
    microsoft_region: str = ""
    timeout: float = 8.0  # seconds for one translation, all of it


def parse_translator_backends(spec: str) -> tuple[tuple[str, str], ...]:
    """`es-ar=libre,ht-*=google,*=none` -> (("es-ar", "libre"), ...); refuses what it does not understand."""
    pairs = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        pair, sep, backend = (x.strip().lower() for x in item.partition("="))
        if pair == "*":
            pair = "*-*"
        source, dash, target = pair.partition("-")
        if not (sep and dash and source and target) or backend not in (*TRANSLATOR_BACKENDS, "none"):
            raise SystemExit(
                f"TRANSLATOR_BACKENDS: cannot read {item!r}; write pairs like es-ar=libre "
                f"(backends: {', '.join(TRANSLATOR_BACKENDS)}, none)"
            )
        pairs.append((pair, backend))
    return tuple(pairs)


@dataclass(frozen=True)
class Handoff:
    """Mediators taking conversations over, on Telegram. Off unless the group is configured."""

    group_chat_id: int | None = None  # the mediators' Telegram group, where requests are posted
    # The office's opening hours, as in the records (service `migrant_office`): mediators answer then.
    office_hours: str = "mon-fri 08:30-14:00; tue 15:00-17:30; thu 15:00-17:30"
    timezone: str = "America/Santiago"
    remind_minutes: float = 10.0  # an unclaimed request is posted again this often, while open
    idle_minutes: float = 60.0  # a held conversation without a message this long goes back to the bot
    expire_hours: float = 72.0  # a request nobody claimed in this long is closed, the person told
    usual_wait_minutes: int = 15  # said to people until there are enough real waits to measure
    keep_days: int = 30  # relayed texts are erased this long after the end; times and outcomes stay

    def hours(self) -> OfficeHours:
        return office.parse(self.office_hours, self.timezone)


@dataclass(frozen=True)
class Settings:
    database_url: str
    action_port: int
    rasa_port: int
    retention_months: int = 12
    gateway: Gateway = Gateway()
    telegram: Telegram | None = None
    whatsapp: WhatsApp | None = None
    translator: Translator = Translator()
    handoff: Handoff = Handoff()


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def load() -> Settings:
    _load_dotenv(ROOT / ".env")
    rasa_port = int(_env("RASA_PORT", "5005"))
    telegram = None
    if _env("TELEGRAM_TOKEN"):
        telegram = Telegram(
            token=_env("TELEGRAM_TOKEN"),
            api_url=_env("TELEGRAM_API_URL", Telegram.api_url).rstrip("/"),
            webhook_url=_env("TELEGRAM_WEBHOOK_URL"),
            webhook_secret=_env("TELEGRAM_WEBHOOK_SECRET"),
        )
    whatsapp = None
    wa = {k: _env(f"WHATSAPP_{k.upper()}") for k in ("token", "phone_number_id", "app_secret", "verify_token")}
    if any(wa.values()):
        missing = [f"WHATSAPP_{k.upper()}" for k, v in wa.items() if not v]
        if missing:  # half a configuration would accept unsigned webhooks or fail at the first reply
            raise SystemExit("WhatsApp is partly configured; also set " + ", ".join(missing))
        whatsapp = WhatsApp(
            **wa, api_url=_env("WHATSAPP_API_URL", WhatsApp.api_url).rstrip("/"), template=_env("WHATSAPP_TEMPLATE")
        )
    translator = Translator(
        backends=parse_translator_backends(_env("TRANSLATOR_BACKENDS")),
        libre_url=_env("TRANSLATOR_LIBRE_URL").rstrip("/"),
        libre_api_key=_env("TRANSLATOR_LIBRE_API_KEY"),
        microsoft_key=_env("TRANSLATOR_MICROSOFT_KEY"),
        microsoft_region=_env("TRANSLATOR_MICROSOFT_REGION"),
        timeout=float(_env("TRANSLATOR_TIMEOUT", str(Translator.timeout))),
    )
    used = {backend for _, backend in translator.backends}
    if "libre" in used and not translator.libre_url:  # else the first translation would fail, not the start
        raise SystemExit("TRANSLATOR_BACKENDS uses libre; also set TRANSLATOR_LIBRE_URL")
    if "microsoft" in used and not translator.microsoft_key:
        raise SystemExit("TRANSLATOR_BACKENDS uses microsoft; also set TRANSLATOR_MICROSOFT_KEY")
    group = _env("MEDIATORS_CHAT_ID")
    if group and not telegram:  # mediators work from Telegram, whichever channel the person uses
        raise SystemExit("MEDIATORS_CHAT_ID is set; mediators work on Telegram, so also set TELEGRAM_TOKEN")
    handoff = Handoff(
        group_chat_id=int(group) if group else None,
        office_hours=_env("OFFICE_HOURS", Handoff.office_hours),
        timezone=_env("OFFICE_TIMEZONE", Handoff.timezone),
        remind_minutes=float(_env("HANDOFF_REMIND_MINUTES", str(Handoff.remind_minutes))),
        idle_minutes=float(_env("HANDOFF_IDLE_MINUTES", str(Handoff.idle_minutes))),
        expire_hours=float(_env("HANDOFF_EXPIRE_HOURS", str(Handoff.expire_hours))),
        usual_wait_minutes=int(_env("HANDOFF_USUAL_WAIT_MINUTES", str(Handoff.usual_wait_minutes))),
        keep_days=int(_env("HANDOFF_KEEP_DAYS", str(Handoff.keep_days))),
    )
    handoff.hours()  # a typo in the hours stops the start, not the first request
    return Settings(
        database_url=app_database_url(_env("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'puente.db'}")),
        action_port=int(_env("ACTION_PORT", "5055")),
        rasa_port=rasa_port,
        retention_months=int(_env("RETENTION_MONTHS", "12")),
        gateway=Gateway(
            host=_env("GATEWAY_HOST", Gateway.host),
            port=int(_env("GATEWAY_PORT", str(Gateway.port))),
            rasa_url=_env("RASA_URL", f"http://127.0.0.1:{rasa_port}").rstrip("/"),
            rasa_urls=parse_rasa_urls(_env("RASA_URLS")),
            rate_burst=int(_env("RATE_LIMIT_BURST", str(Gateway.rate_burst))),
            rate_interval=float(_env("RATE_LIMIT_INTERVAL", str(Gateway.rate_interval))),
            rasa_concurrency=int(_env("RASA_CONCURRENCY", str(Gateway.rasa_concurrency))),
        ),
        telegram=telegram,
        whatsapp=whatsapp,
        translator=translator,
        handoff=handoff,
    )


@dataclass(frozen=True)
class Console:
    """The staff console (console/). Without `secret`, one is generated into var/console_secret."""

    host: str = "127.0.0.1"
    port: int = 8089
    secret: str = ""
    # Behind an HTTPS proxy: the session cookie is then never sent over plain HTTP.
    cookie_secure: bool = False
    # Publish writes the FAQ into the training data here and trains into `models_dir`, which every
    # Rasa replica must see at the same path (PUT /model names the file).
    training_dir: Path = ROOT
    models_dir: Path = ROOT / "models"


def console() -> Console:
    """The console's settings (CONSOLE_HOST, CONSOLE_PORT, CONSOLE_SECRET, CONSOLE_COOKIE_SECURE,
    CONSOLE_TRAINING_DIR, CONSOLE_MODELS_DIR)."""
    _load_dotenv(ROOT / ".env")
    return Console(
        host=_env("CONSOLE_HOST", Console.host),
        port=int(_env("CONSOLE_PORT", str(Console.port))),
        secret=_env("CONSOLE_SECRET"),
        cookie_secure=_env("CONSOLE_COOKIE_SECURE").lower() in ("1", "true", "yes"),
        training_dir=Path(_env("CONSOLE_TRAINING_DIR", str(ROOT))),
        models_dir=Path(_env("CONSOLE_MODELS_DIR", str(ROOT / "models"))),
    )
