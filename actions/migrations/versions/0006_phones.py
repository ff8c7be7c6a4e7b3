"""phones in E.164: residents' and emergency contacts' numbers, stored until now as the
digits people typed (a mobile's 11 digits, a landline with its area code), are rewritten
in E.164 (+86 and the number without its leading 0); a number that does not parse is
left as it was. Down writes them back as national digits (numbers abroad stay as they
are, as before). Alembic logs this text at INFO: it holds no number.

Revision ID: 0006
Revises: 0003
"""

from __future__ import annotations

import phonenumbers
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None

REGION = "CN"
COLUMNS = ("phone", "emergency_contact_phone")
residents = sa.table(
    "residents",
    sa.column("id", sa.Integer),
    sa.column("phone", sa.String),
    sa.column("emergency_contact_phone", sa.String),
)


def _e164(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _national_digits(value: str) -> str | None:
    """The form the earlier code stored: 11 digits for a mobile, 0 + area code +
    number for a landline; None for a number abroad (kept in E.164, as before)."""
    try:
        number = phonenumbers.parse(value, REGION)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.region_code_for_number(number) != REGION:
        return None
    national = phonenumbers.national_significant_number(number)
    mobile = phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    return national if mobile else "0" + national


def _rewrite(convert) -> None:  # type: ignore[no-untyped-def]
    bind = op.get_bind()
    rows = bind.execute(sa.select(residents.c.id, *(residents.c[c] for c in COLUMNS))).all()
    for row in rows:
        changes = {}
        for column in COLUMNS:
            value = getattr(row, column)
            if value:
                new = convert(value)
                if new is not None and new != value:
                    changes[column] = new
        if changes:
            bind.execute(sa.update(residents).where(residents.c.id == row.id).values(**changes))


def upgrade() -> None:
    _rewrite(_e164)


def downgrade() -> None:
    _rewrite(_national_digits)
