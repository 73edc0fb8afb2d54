"""Code that only the Rasa server loads (it runs in the Rasa environment, .venvs/rasa)."""
