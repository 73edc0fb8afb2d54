"""Shared core of Puente: settings, languages and message catalogs."""
