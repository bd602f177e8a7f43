"""Custom actions of the Willkommen assistant (rasa-sdk, current Python). One module per concern."""
