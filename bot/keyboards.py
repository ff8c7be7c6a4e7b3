"""Few, big buttons: at most two per row, the important one first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.callbacks import Answer
from bot.i18n import Translate

MENU_KEYS = (
    "menu-book",
    "menu-bookings",
    "menu-doctor",
    "menu-callback",
    "menu-settings",
    "menu-help",
    "menu-health",
    "menu-family",
)


def main_menu(t: Translate) -> ReplyKeyboardMarkup:
    labels = [t(k) for k in MENU_KEYS]
    rows = [[KeyboardButton(text=labels[i]), KeyboardButton(text=labels[i + 1])] for i in range(0, len(labels), 2)]
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, is_persistent=True)


def share_phone(t: Translate) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t("btn-share-phone"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def inline(rows: Iterable[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Rows of (text, callback_data)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data) for text, data in row]
            for row in rows
        ]
    )


def two_per_row(buttons: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    # Built directly: aiogram's keyboard builder deep-copies every button (pydantic
    # models) to export them, a good part of a button tap's work.
    return inline([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def one_per_row(buttons: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    return inline([[b] for b in buttons])


def yes_no(
    t: Translate, topic: str, yes_key: str = "btn-yes", no_key: str = "btn-no"
) -> InlineKeyboardMarkup:
    return inline(
        [
            [
                (t(yes_key), Answer(topic=topic, yes=True).pack()),
                (t(no_key), Answer(topic=topic, yes=False).pack()),
            ]
        ]
    )
