"""The municipal records: SQLAlchemy 2 models, sessions, migrations and seed data."""
