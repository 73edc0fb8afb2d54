"""The README's run command opens a chat that works, and Ctrl-C stops everything it started."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from puente.stack import ROOT, free_port

pytestmark = pytest.mark.servers


def read_until(process: subprocess.Popen[str], needle: str, timeout: float) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while needle not in seen:
        left = deadline - time.monotonic()
        assert left > 0 and process.poll() is None, f"no {needle!r} in:\n{seen}"
        ready, _, _ = select.select([process.stdout], [], [], min(left, 1.0))
        if ready:
            seen += os.read(process.stdout.fileno(), 65536).decode("utf-8", "replace")
    return seen


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def start_run_command(tmp_path: Path, **channel: str) -> subprocess.Popen[str]:
    """The README's run command on its own databases and ports; channels only as given (a developer's
    .env with a token must not turn the local-chat test into a Telegram one)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'records.db'}",
        TRACKER_DATABASE_URL=f"sqlite:///{tmp_path / 'tracker.db'}",
        RASA_PORT=str(free_port()), ACTION_PORT=str(free_port()), GATEWAY_PORT=str(free_port()),
        CONSOLE_PORT=str(free_port()), TELEGRAM_TOKEN="", MEDIATORS_CHAT_ID="",
        WHATSAPP_TOKEN="", WHATSAPP_PHONE_NUMBER_ID="", WHATSAPP_APP_SECRET="",
        WHATSAPP_VERIFY_TOKEN="", PYTHONUNBUFFERED="1",
    )  # fmt: skip
    env.update(channel)
    return subprocess.Popen(
        [sys.executable, "-m", "puente.stack", "run"],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def test_local_chat_answers_and_ctrl_c_stops_the_servers(tmp_path: Path) -> None:
    process = start_run_command(tmp_path)
    try:
        started = read_until(process, "Ctrl-C", 300)
        servers = children_of(process.pid)
        assert len(servers) == 3  # the action server, the Rasa server, the staff console
        console = re.search(r"staff console: (http://\S+)", started)
        assert console is not None
        assert httpx.get(console.group(1), follow_redirects=True).url.path == "/login"  # it asks who you are
        assert process.stdin is not None
        process.stdin.write("hola\n")
        process.stdin.flush()
        shown = read_until(process, "العربية", 60)
        assert "[1] Español" in shown and "[2] Kreyòl" in shown
        process.stdin.write("2\n")  # press the Creole button by its number
        process.stdin.flush()
        read_until(process, "kreyòl", 60)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        for pid in servers:
            assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    finally:
        if process.poll() is None:
            process.kill()


def test_with_a_telegram_token_the_run_command_serves_telegram(tmp_path: Path) -> None:
    from tests.channels.people import TelegramPerson
    from tests.fakes.telegram_api import TOKEN, FakeTelegram

    fake = FakeTelegram().start()
    process = start_run_command(tmp_path, TELEGRAM_TOKEN=TOKEN, TELEGRAM_API_URL=fake.api_url)
    try:
        read_until(process, "gateway: telegram connected", 300)
        person = TelegramPerson(fake, 760001, "ar")
        person.say("مرحبا")
        assert [b["text"] for b in person.buttons()] == ["Español", "Kreyòl", "العربية"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
        fake.stop()
