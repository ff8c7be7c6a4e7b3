"""chronic care (医防融合): care plan items, home readings and their reviews, follow-up
calls, family links and proxy bookings, group sessions with sign-ups, and waitlists

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def _index(table: str, column: str, unique: bool = False) -> None:
    op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=unique)


def upgrade() -> None:
    op.create_table(
        "care_plan_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("plan_code", sa.String(length=32), nullable=False),
        sa.Column("service_code", sa.String(length=32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("offered_at", TZ, nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("completed_at", TZ, nullable=True),
        sa.Column("escalated_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        _fk("care_plan_items", "resident_id", "residents", "CASCADE"),
        _fk("care_plan_items", "booking_id", "bookings", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plan_items")),
        sa.UniqueConstraint("resident_id", "plan_code", "due_on", name=op.f("uq_care_plan_items_resident_id")),
    )
    _index("care_plan_items", "resident_id")
    _index("care_plan_items", "due_on")

    op.create_table(
        "readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("systolic", sa.Integer(), nullable=True),
        sa.Column("diastolic", sa.Integer(), nullable=True),
        sa.Column("pulse", sa.Integer(), nullable=True),
        sa.Column("glucose", sa.Float(), nullable=True),
        sa.Column("context", sa.String(length=16), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("measured_at", TZ, nullable=False),
        _fk("readings", "resident_id", "residents", "CASCADE"),
        _fk("readings", "reported_by_id", "residents", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readings")),
    )
    _index("readings", "resident_id")
    _index("readings", "measured_at")

    op.create_table(
        "reading_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("reading_id", sa.Integer(), nullable=True),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("guidance", sa.Text(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("answered_at", TZ, nullable=True),
        _fk("reading_reviews", "resident_id", "residents", "CASCADE"),
        _fk("reading_reviews", "reading_id", "readings", "SET NULL"),
        _fk("reading_reviews", "provider_id", "providers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_reviews")),
    )
    _index("reading_reviews", "resident_id")

    op.create_table(
        "follow_up_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        _fk("follow_up_calls", "booking_id", "bookings", "CASCADE"),
        _fk("follow_up_calls", "resident_id", "residents", "CASCADE"),
        _fk("follow_up_calls", "provider_id", "providers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_calls")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_follow_up_calls_booking_id")),
    )
    _index("follow_up_calls", "resident_id")
    _index("follow_up_calls", "provider_id")

    op.create_table(
        "family_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("elder_id", sa.Integer(), nullable=True),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", TZ, nullable=True),
        sa.Column("receives_alerts", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("confirmed_at", TZ, nullable=True),
        sa.Column("revoked_at", TZ, nullable=True),
        _fk("family_links", "member_id", "residents", "CASCADE"),
        _fk("family_links", "elder_id", "residents", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_links")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_family_links_code_hash")),
    )
    _index("family_links", "member_id")
    _index("family_links", "elder_id")
    op.create_index(
        "uq_family_links_active_pair", "family_links", ["elder_id", "member_id"], unique=True,
        sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"),
    )  # fmt: skip

    op.create_table(
        "proxy_bookings",
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        _fk("proxy_bookings", "booking_id", "bookings", "CASCADE"),
        _fk("proxy_bookings", "member_id", "residents", "SET NULL"),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_proxy_bookings")),
    )

    op.create_table(
        "group_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title_zh", sa.String(length=128), nullable=False),
        sa.Column("title_en", sa.String(length=128), nullable=False),
        sa.Column("place_zh", sa.String(length=128), nullable=False),
        sa.Column("place_en", sa.String(length=128), nullable=False),
        sa.Column("host_code", sa.String(length=64), nullable=True),
        sa.Column("starts_at", TZ, nullable=False),
        sa.Column("ends_at", TZ, nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_sessions")),
        sa.UniqueConstraint("code", "starts_at", name=op.f("uq_group_sessions_code")),
    )
    _index("group_sessions", "starts_at")

    op.create_table(
        "session_signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("cancelled_at", TZ, nullable=True),
        sa.Column("attended_at", TZ, nullable=True),
        _fk("session_signups", "session_id", "group_sessions", "CASCADE"),
        _fk("session_signups", "resident_id", "residents", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_signups")),
    )
    _index("session_signups", "session_id")
    _index("session_signups", "resident_id")
    op.create_index(
        "uq_session_signups_active", "session_signups", ["session_id", "resident_id"], unique=True,
        sqlite_where=sa.text("status = 'signed'"), postgresql_where=sa.text("status = 'signed'"),
    )  # fmt: skip

    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("offered_at", TZ, nullable=True),
        sa.Column("hold_until", TZ, nullable=True),
        sa.Column("decided_at", TZ, nullable=True),
        _fk("waitlist_entries", "resident_id", "residents", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
    )
    _index("waitlist_entries", "resident_id")
    op.create_index("ix_waitlist_target", "waitlist_entries", ["target_kind", "target_id", "status"])


def downgrade() -> None:
    for table in (
        "waitlist_entries",
        "session_signups",
        "group_sessions",
        "proxy_bookings",
        "family_links",
        "follow_up_calls",
        "reading_reviews",
        "readings",
        "care_plan_items",
    ):
        op.drop_table(table)
