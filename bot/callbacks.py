"""Callback data of the resident-side buttons. Short prefixes: Telegram allows 64 bytes."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class BookingAction(CallbackData, prefix="bk"):
    """A button on a booking: cancel | resched | confirm (attendance) | details."""

    action: str
    booking_id: int
