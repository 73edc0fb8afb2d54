"""`python -m bot`: the gateway alone (Rasa and the action server must already be running)."""

from bot.server import main

main()
