"""Machine translation: `translate(text, source, target)` over deep-translator, a backend per language pair.

Nothing leaves the machine unless TRANSLATOR_BACKENDS names a backend for the pair: by default every
translation is unavailable. No self-hostable engine knows Haitian Creole (LibreTranslate has no `ht`
model), so Creole needs an opted-in cloud backend (Google, or Microsoft with a key); es<->ar can stay
on a self-hosted LibreTranslate.

deep-translator is wrapped because it sets no request timeout, lets `requests` errors through, checks
languages against fixed lists (LibreTranslate's lacks `ht`), wants an API key even for a server without
keys and a URL ending in `/`. Every failure here is one `TranslationUnavailable`, after at most the
configured timeout; callers then relay the original with a short notice. Translations made are kept
in the database (`translation_cache`) and marked as machine-made.

Neither the logs nor the exceptions of this module carry the person's words: deep-translator's own
errors do (the text travels in the URL), so they are not chained.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import requests
from deep_translator import GoogleTranslator, LibreTranslator, MicrosoftTranslator
from deep_translator import google as _google_module
from deep_translator import libre as _libre_module
from deep_translator import microsoft as _microsoft_module
from deep_translator.exceptions import ServerException
from sqlalchemy import Engine, delete
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from puente import settings
from records.db import unit_of_work
from records.models import TranslationCacheEntry

log = logging.getLogger(__name__)

LANGUAGES = ("es", "ht", "ar")  # the assistant's languages, for describe()


class TranslationUnavailable(Exception):
    """No translation for this text now: no backend for the pair, or the backend failed or was silent."""

    def __init__(self, source: str, target: str, reason: str, backend: str = "") -> None:
        self.source, self.target, self.reason, self.backend = source, target, reason, backend
        super().__init__(f"{source}->{target} via {backend or 'no backend'}: {reason}")


@dataclass(frozen=True)
class Translation:
    text: str
    source: str
    target: str
    machine: bool  # made by a machine: say so to the reader
    backend: str  # "libre", "google", "microsoft"; "" when nothing was translated
    cached: bool = False  # from the database, no request made


# -- which backend ---------------------------------------------------------------------------------


def _config(conf: settings.Translator | None) -> settings.Translator:
    return conf if conf is not None else settings.load().translator


def backend_for(source: str, target: str, conf: settings.Translator | None = None) -> str | None:
    """The backend configured for the pair, most specific entry first; None: the text stays here."""
    table = dict(_config(conf).backends)
    source, target = _code(source), _code(target)
    for pair in (f"{source}-{target}", f"{source}-*", f"*-{target}", "*-*"):
        if pair in table:
            return None if table[pair] == "none" else table[pair]
    return None


def describe(conf: settings.Translator | None = None, languages: tuple[str, ...] = LANGUAGES) -> dict[str, str]:
    """For the documentation and the console: {"es-ar": "libre (http://...)", "es-ht": "google (cloud)", ...}.

    Every ordered pair of `languages`, plus the pairs configured by name; "none" where nothing translates.
    """
    conf = _config(conf)
    pairs = [f"{a}-{b}" for a in languages for b in languages if a != b]
    pairs += [pair for pair, _ in conf.backends if "*" not in pair and pair not in pairs]
    described = {}
    for pair in pairs:
        backend = backend_for(*pair.split("-", 1), conf)
        if backend is None:
            described[pair] = "none"
        elif backend == "libre":
            described[pair] = f"libre ({conf.libre_url})"
        else:
            described[pair] = f"{backend} (cloud)"
    return described


# -- deep-translator, with a timeout ---------------------------------------------------------------

_local = threading.local()


class _RequestsWithTimeout:
    """Stands in for `requests` inside deep-translator's backends, which call requests.get/post without a
    timeout: a silent server would hold the worker thread forever. deep-translator takes no session or
    adapter, so this is the one place a timeout can go. Only adds a timeout where none was given."""

    def __getattr__(self, name: str) -> Any:
        return getattr(requests, name)

    @staticmethod
    def _timeout() -> float:
        return getattr(_local, "timeout", settings.Translator.timeout)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout())
        return requests.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self._timeout())
        return requests.post(url, **kwargs)


for _module in (_google_module, _libre_module, _microsoft_module):
    _module.requests = _RequestsWithTimeout()  # type: ignore[assignment]


class _Microsoft(MicrosoftTranslator):
    """Without the download of Microsoft's language list at every construction (no key, no timeout)."""

    def _get_supported_languages(self) -> dict[str, str]:
        return {}


def _client(backend: str, source: str, target: str, conf: settings.Translator) -> Any:
    # deep-translator checks codes against fixed lists at construction only (LibreTranslate's has no `ht`,
    # though a server may have a model): "auto" passes there, then the codes go in through the setters.
    # The server itself says whether it knows a language.
    if backend == "libre":
        # It refuses to start without a key; the placeholder is removed before any request.
        client = LibreTranslator(
            source="auto", target="auto", api_key=conf.libre_api_key or "-", custom_url=conf.libre_url.rstrip("/") + "/"
        )
        client.api_key = conf.libre_api_key or None
    elif backend == "google":
        client = GoogleTranslator(source="auto", target="auto")
    elif backend == "microsoft":
        client = _Microsoft(
            source="auto", target="auto", api_key=conf.microsoft_key, region=conf.microsoft_region or None
        )
    else:
        raise ValueError(f"unknown translation backend {backend!r}")
    client.source, client.target = source, target
    return client


def _run(backend: str, text: str, source: str, target: str, conf: settings.Translator) -> str:
    _local.timeout = conf.timeout
    out = _client(backend, source, target, conf).translate(text)
    if not isinstance(out, str) or not out.strip():
        raise ValueError("empty answer")
    return out


# Calls block (requests); a few at once, each abandoned by its caller after the timeout.
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="translate")


def _reason(error: BaseException) -> str:
    """What went wrong, without the text (deep-translator's messages and request URLs contain it)."""
    if isinstance(error, ServerException):
        return f"server answered {error.args[0] if error.args else 'an error'}"
    return type(error).__name__


def _call(backend: str, text: str, source: str, target: str, conf: settings.Translator) -> str:
    future = _pool.submit(_run, backend, text, source, target, conf)
    try:
        return future.result(timeout=conf.timeout)
    except FutureTimeout:
        future.cancel()  # if it waited for a thread all this time, it never starts
        raise TranslationUnavailable(source, target, f"no answer within {conf.timeout:g} s", backend) from None
    except Exception as error:
        raise TranslationUnavailable(source, target, _reason(error), backend) from None


# -- cache -----------------------------------------------------------------------------------------


def cache_key(backend: str, source: str, target: str, text: str) -> str:
    return hashlib.sha256(json.dumps([backend, source, target, text], ensure_ascii=False).encode()).hexdigest()


def _cache_get(key: str, engine: Engine | None) -> str | None:
    try:
        with unit_of_work(engine) as session:
            entry = session.get(TranslationCacheEntry, key)
            return entry.text_out if entry is not None else None
    except SQLAlchemyError as error:  # the cache saves time; its absence must not cost the translation
        log.warning("translation cache unreadable, translating anyway: %s", type(error).__name__)
        return None


def _cache_put(key: str, backend: str, source: str, target: str, text_out: str, engine: Engine | None) -> None:
    try:
        with unit_of_work(engine) as session:
            if session.get(TranslationCacheEntry, key) is None:
                session.add(
                    TranslationCacheEntry(key=key, source=source, target=target, backend=backend, text_out=text_out)
                )
    except IntegrityError:
        pass  # the same translation, stored at the same moment by another process
    except SQLAlchemyError as error:
        log.warning("translation cache unwritable: %s", type(error).__name__)


# -- the interface ---------------------------------------------------------------------------------


def purge_cache(session: Session, older_than_days: int) -> int:
    """Cached translations hold people's words too: they go after the hand-off texts' retention."""
    cutoff = datetime.now(timezone.utc) - timedelta(days=older_than_days)
    return session.execute(delete(TranslationCacheEntry).where(TranslationCacheEntry.created_at < cutoff)).rowcount


def _code(language: str) -> str:
    return language.strip().lower()


def translate(
    text: str,
    source: str,
    target: str,
    *,
    conf: settings.Translator | None = None,
    engine: Engine | None = None,
) -> Translation:
    """`text` from `source` to `target` (codes like "es", "ht", "ar"), or TranslationUnavailable.

    Blocks for at most the configured timeout plus the cache's database work. The same language, or
    a blank text, comes back unchanged with machine=False and no request. `conf` defaults to the
    settings, `engine` to the records database.
    """
    source, target = _code(source), _code(target)
    if source == target or not text.strip():
        return Translation(text, source, target, machine=False, backend="")
    conf = _config(conf)
    backend = backend_for(source, target, conf)
    if backend is None:
        raise TranslationUnavailable(source, target, "no backend configured for this pair (TRANSLATOR_BACKENDS)")
    key = cache_key(backend, source, target, text)
    cached = _cache_get(key, engine)
    if cached is not None:
        return Translation(cached, source, target, machine=True, backend=backend, cached=True)
    out = _call(backend, text, source, target, conf)
    _cache_put(key, backend, source, target, out, engine)
    return Translation(out, source, target, machine=True, backend=backend)


def translate_or_none(
    text: str,
    source: str,
    target: str,
    *,
    conf: settings.Translator | None = None,
    engine: Engine | None = None,
) -> Translation | None:
    """Like translate(), None when unavailable (logged without the text): the caller relays the original."""
    try:
        return translate(text, source, target, conf=conf, engine=engine)
    except TranslationUnavailable as error:
        log.warning("translation unavailable: %s", error)
        return None


async def translate_async(
    text: str,
    source: str,
    target: str,
    *,
    conf: settings.Translator | None = None,
    engine: Engine | None = None,
) -> Translation:
    """translate() for async code (the gateway): the blocking work runs off the event loop."""
    return await asyncio.to_thread(translate, text, source, target, conf=conf, engine=engine)
