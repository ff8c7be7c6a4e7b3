"""The offline sandbox: a local server speaking the Bot API, and a terminal chat."""
