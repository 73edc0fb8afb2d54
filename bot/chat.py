"""A local text chat with the assistant in the terminal: the embedded default, no token needed.

Buttons are shown numbered; typing the number presses the button.
"""

from __future__ import annotations

import asyncio
import getpass
import sys

from bot.rasa_client import Button, RasaClient, Reply
from puente import i18n

WELCOME = (
    "Puente — local chat. Write in Spanish, Kreyòl or العربية; Ctrl-C or /quit to leave.\n"
    "Chat local — escribe «hola» para empezar."
)


def render(replies: list[Reply]) -> tuple[str, list[Button]]:
    lines: list[str] = []
    buttons: list[Button] = []
    for reply in replies:
        if reply.text:  # as it leaves for a person: right-to-left lines made to display right
            lines.append(i18n.display(reply.text.replace("*", "")))
        for button in reply.buttons:
            buttons.append(button)
            lines.append(f"   [{len(buttons)}] {i18n.display(button.title)}")
    return "\n".join(lines), buttons


async def send_once(rasa_url: str, sender: str, text: str) -> list[Reply]:
    client = RasaClient(rasa_url)
    try:
        return await client.send(sender, text, {"channel": "local"})
    finally:
        await client.close()


def main(rasa_url: str) -> int:
    """A plain blocking loop: Ctrl-C interrupts input() at once and the caller stops the servers."""
    sender = f"local:{getpass.getuser()}"
    buttons: list[Button] = []
    print(WELCOME, flush=True)
    try:
        while True:
            try:
                text = input("\n> ")
            except EOFError:
                return 0
            if text.strip() in ("/quit", "/exit"):
                return 0
            choice = text.strip()
            if choice.isdigit() and 1 <= int(choice) <= len(buttons):
                text = buttons[int(choice) - 1].payload
            try:
                shown, buttons = render(asyncio.run(send_once(rasa_url, sender, text)))
            except Exception as error:  # the chat must survive a server hiccup
                print(f"(the assistant did not answer: {error})")
                continue
            print(shown or "…", flush=True)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5005"))
