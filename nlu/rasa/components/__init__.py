"""Custom Rasa components; they run inside Rasa's own virtualenv, never in the bot."""
