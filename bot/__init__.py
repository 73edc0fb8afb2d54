"""The gateway between people's channels and the Rasa server (and, for now, the local chat)."""
