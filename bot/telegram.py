"""Telegram through python-telegram-bot: one Application, one handler for every update.

Long polling by default (no public address needed); webhook mode when TELEGRAM_WEBHOOK_URL is
set, in which case bot/server.py receives the updates and checks Telegram's secret token.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.channel import Incoming, Kind, Notice, split_text
from bot.gateway import DatabaseUnavailable, Gateway
from bot.rasa_client import Reply
from puente import i18n, settings

log = logging.getLogger("puente.telegram")
NAME = "telegram"
TEXT_LIMIT = 4096
CALLBACK_LIMIT = 64  # bytes of callback_data
COMMANDS = ("start", "language", "help", "forget")
_BOLD = re.compile(r"\*([^*\n]+)\*")


def to_html(text: str) -> str:
    """Our texts mark bold with *asterisks* (WhatsApp's style); Telegram gets HTML, which cannot
    break on a stray character in a name the way Markdown does."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def kind_of(message: Message) -> Kind:
    if message.text is not None:
        return Kind.text
    if message.voice or message.audio or message.video_note:
        return Kind.voice
    if message.photo or message.video or message.document or message.animation:
        return Kind.media
    if message.sticker or message.dice:
        return Kind.sticker
    if message.location or message.venue:
        return Kind.location
    if message.contact:
        return Kind.contact
    if message.new_chat_members or message.left_chat_member or message.pinned_message:
        return Kind.silent
    return Kind.unsupported


def to_incoming(update: Update, payload: str | None = None) -> Incoming | None:
    """The gateway's view of an update; None for what is not a person writing to the bot in a
    private chat (channel posts, groups, membership changes). `payload` is a pressed button's
    resolved payload."""
    query = update.callback_query
    if query is not None:
        message = query.message
        if message is None or message.chat.type != ChatType.PRIVATE:
            return None
        return Incoming(
            NAME, str(message.chat.id), str(update.update_id), Kind.text, payload or "/help",
            query.from_user.language_code, {"button": "1"},
        )  # fmt: skip
    edited = update.edited_message
    message = update.message
    if edited is not None and edited.chat.type == ChatType.PRIVATE:
        user = edited.from_user
        return Incoming(NAME, str(edited.chat.id), str(update.update_id), Kind.edited, "", user and user.language_code)
    if message is None or message.chat.type != ChatType.PRIVATE:
        return None
    user = message.from_user
    kind = kind_of(message)
    # For the mediators' desk: what to copy (a photo, a voice note) and which message a reply answers.
    metadata = {"message_id": str(message.message_id)}
    if message.reply_to_message is not None:
        metadata["reply_to"] = str(message.reply_to_message.message_id)
    return Incoming(
        NAME, str(message.chat.id), str(update.update_id), kind, message.text or "", user and user.language_code,
        metadata,
    )  # fmt: skip


class TelegramChannel:
    """Sends Rasa's replies: HTML text split at Telegram's limit, buttons as an inline keyboard."""

    name = NAME

    def __init__(self, application: Application, gateway: Gateway) -> None:
        self.app = application
        self.gateway = gateway

    async def send(self, address: str, replies: list[Reply], language: str) -> None:
        for reply in replies:
            text = reply.text or (i18n.t(language, "channels.choose") if reply.buttons else "")
            chunks = split_text(text, TEXT_LIMIT - 200)  # room for the HTML tags
            markup = await self._keyboard(reply) if reply.buttons else None
            for number, chunk in enumerate(chunks, 1):
                await self._send(address, chunk, markup if number == len(chunks) else None)

    async def _keyboard(self, reply: Reply) -> InlineKeyboardMarkup:
        buttons = [
            InlineKeyboardButton(b.title[:64], callback_data=await self.gateway.button_id(b.payload, CALLBACK_LIMIT))
            for b in reply.buttons
        ]
        # Short choices side by side (languages, yes/no); longer ones one per row, easy to tap.
        if len(buttons) <= 3 and all(len(b.text) <= 12 for b in buttons):
            return InlineKeyboardMarkup([buttons])
        return InlineKeyboardMarkup([[b] for b in buttons])

    async def _send(self, address: str, text: str, markup: InlineKeyboardMarkup | None) -> None:
        kwargs = {"link_preview_options": LinkPreviewOptions(is_disabled=True), "reply_markup": markup}
        try:
            await _retrying(
                lambda: self.app.bot.send_message(int(address), to_html(text), parse_mode=ParseMode.HTML, **kwargs)
            )
        except BadRequest as error:
            if "parse" not in str(error).lower():
                raise
            await self.app.bot.send_message(int(address), text, **kwargs)  # HTML refused: plain text
        except Forbidden:
            log.info("a person blocked the bot; reply dropped")

    # -- for the mediators' desk: HTML written by the caller, message ids back ------------------------

    async def post(self, chat_id: int, html_text: str, buttons: list[tuple[str, str]] | None = None) -> int:
        """Sends HTML (with one button per row); the message id. Raises Forbidden when the bot may
        not write to that chat (a mediator who never pressed Start)."""
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(t[:64], callback_data=d)] for t, d in buttons or []])
        message = await _retrying(
            lambda: self.app.bot.send_message(
                chat_id, html_text[:TEXT_LIMIT], parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True), reply_markup=markup if buttons else None,
            )
        )  # fmt: skip
        return message.message_id

    async def edit(self, chat_id: int, message_id: int, html_text: str) -> None:
        """Replaces a message's text and drops its buttons (a request once taken)."""
        try:
            await _retrying(
                lambda: self.app.bot.edit_message_text(html_text, chat_id, message_id, parse_mode=ParseMode.HTML)
            )
        except BadRequest:  # deleted, too old, or the same text: nothing to mend
            log.debug("message not edited", exc_info=True)

    async def copy(self, to_chat: int, from_chat: int, message_id: int) -> int:
        """Copies a photo, voice note or document between chats (no "forwarded from" label)."""
        copied = await _retrying(lambda: self.app.bot.copy_message(to_chat, from_chat, message_id))
        return copied.message_id

    async def typing(self, address: str) -> None:
        await self.app.bot.send_chat_action(int(address), ChatAction.TYPING)

    async def notify(self, address: str, text: str, language: str, last_inbound_at_age: float | None) -> Notice:
        await self.send(address, [Reply(text)], language)  # a bot may write to a private chat any time
        return Notice.sent


T = TypeVar("T")


async def _retrying(call: Callable[[], Awaitable[T]]) -> T:
    """Waits out Telegram's flood limits and retries network errors a few times; other errors raise."""
    for attempt in range(4):
        try:
            return await call()
        except RetryAfter as error:
            wait = error.retry_after
            await asyncio.sleep(min(30.0, wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)))
        except NetworkError as error:  # includes TimedOut; BadRequest and Forbidden are not retried
            if isinstance(error, BadRequest | Forbidden) or attempt == 3:
                raise
            await asyncio.sleep(0.5 * 2**attempt)
    return await call()


async def register_commands(application: Application) -> None:
    """The command menu, described in each language (Telegram picks by the phone's language)."""
    for code in i18n.languages():
        commands = [BotCommand(c, i18n.t(code, f"channels.commands.{c}")) for c in COMMANDS]
        for language_code in dict.fromkeys([code, *(i18n.lookup(code, "meta.channel_hints") or [])]):
            await application.bot.set_my_commands(commands, language_code=language_code)
        if code == i18n.DEFAULT:
            await application.bot.set_my_commands(commands)


def build(config: settings.Telegram, gateway: Gateway) -> Application:
    builder = (
        Application.builder()
        .token(config.token)
        .base_url(f"{config.api_url}/bot")
        .base_file_url(f"{config.api_url}/file/bot")
        .concurrent_updates(256)  # one slow conversation must not hold up the others
        .connection_pool_size(64)
        .connect_timeout(5)
        .read_timeout(15)
        .write_timeout(15)
        .pool_timeout(10)
    )
    if config.webhook_url:
        builder = builder.updater(None)
    application = builder.build()
    channel = TelegramChannel(application, gateway)
    gateway.add_channel(channel)

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        payload = None
        if query is not None and gateway.desk is not None and gateway.desk.is_claim(query.data or ""):
            await gateway.desk.claim_pressed(query)  # in the mediators' group, or a mediator's /queue
            return
        if query is not None:
            await _answer_query(query)
            if not _issued(query):
                # A modified client can send any callback data ("/forget_me", an intent with forged
                # entities): only the buttons of the message pressed are taken.
                log.warning("a Telegram button press not among the message's buttons was ignored")
                gateway.outcomes["ignored"] += 1
                return
            payload = await gateway.payload(query.data or "")
        incoming = to_incoming(update, payload)
        if incoming is None:
            gateway.outcomes["ignored"] += 1
            return
        try:
            await gateway.receive(incoming)
        except DatabaseUnavailable:
            log.error("database unavailable: a Telegram message could not be stored")
            language = i18n.from_hint(incoming.hint) or i18n.DEFAULT
            await channel.send(incoming.address, [Reply(i18n.t(language, "channels.down"))], language)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        gateway.outcomes["error"] += 1
        log.error("error while handling a Telegram update", exc_info=context.error)

    application.add_handler(TypeHandler(Update, handle))
    application.add_error_handler(on_error)
    return application


def _buttons(query: CallbackQuery) -> list[InlineKeyboardButton]:
    """The buttons of the message pressed, as Telegram keeps it (not as the client says)."""
    markup = getattr(query.message, "reply_markup", None)
    return [button for row in (markup.inline_keyboard if markup else ()) for button in row]


def _issued(query: CallbackQuery) -> bool:
    return any(button.callback_data == query.data for button in _buttons(query))


async def _answer_query(query: CallbackQuery) -> None:
    """Stops the button's spinner and shows what was chosen."""
    title = next((b.text for b in _buttons(query) if b.callback_data == query.data), "")
    try:
        await query.answer(text=f"✓ {title}"[:200] if title else None)
    except TelegramError:
        log.debug("answerCallbackQuery failed", exc_info=True)


async def start(application: Application, config: settings.Telegram, poll_timeout: int = 10) -> str:
    """Starts receiving; returns the webhook secret (empty in polling mode)."""
    await application.initialize()
    try:
        await register_commands(application)
    except TelegramError:
        log.warning("could not register the command menu", exc_info=True)
    await application.start()
    if config.webhook_url:
        secret = config.webhook_secret or secrets.token_urlsafe(32)
        await application.bot.set_webhook(config.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
        return secret
    assert application.updater is not None
    await application.bot.delete_webhook()
    await application.updater.start_polling(timeout=poll_timeout, allowed_updates=Update.ALL_TYPES)
    return ""


async def stop(application: Application) -> None:
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
