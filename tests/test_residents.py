"""What residents say about themselves, read as they mean it."""

from __future__ import annotations

from datetime import date

import pytest

from actions.residents import parse_birth_year

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize(
    ("said", "year"),
    [
        ("1948", 1948),
        ("48年", 1948),
        ("一九四八", 1948),
        ("我是四八年的", 1948),
        ("四八年生的", 1948),
        # Ages: Chinese numerals are read whole (七十八 is 78, not 7 and 8).
        ("七十八岁", 1948),
        ("八十岁", 1946),
        ("我今年七十", 1956),
        ("78", 1948),
        ("I am 78", 1948),
        ("78 years old", 1948),
        # Not a birth year.
        ("hello", None),
        ("19999", None),
        ("150岁", None),
    ],
)
def test_birth_years_as_residents_say_them(said: str, year: int | None) -> None:
    assert parse_birth_year(said, TODAY) == year
