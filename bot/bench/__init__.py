"""Benchmarks that print numbers: reminders through the outbox, NLU parse latency,
speech and voice-note-to-reply latency. They live with the composition root because
several drive the whole bot against the local Bot API; no lower layer imports them."""
