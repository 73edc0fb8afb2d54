"""Custom actions of the Puente assistant, one module per capability (served by rasa-sdk)."""
