"""security and integrity: proposals and rating requests stored server-side, outbox
priorities, leases and escalation, call-back routing, decline reasons

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name=op.f("fk_proposals_booking_id_bookings"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["slot_id"], ["slots.id"], name=op.f("fk_proposals_slot_id_slots"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["provider_id"], ["providers.id"], name=op.f("fk_proposals_provider_id_providers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_booking_id"), ["booking_id"], unique=False)

    op.create_table(
        "rating_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name=op.f("fk_rating_requests_booking_id_bookings"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], name=op.f("fk_rating_requests_resident_id_residents"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_requests")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_rating_requests_booking_id")),
    )
    with op.batch_alter_table("rating_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rating_requests_resident_id"), ["resident_id"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), server_default="2", nullable=False))
        batch_op.add_column(sa.Column("resident_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_resident_id"), ["resident_id"], unique=False)

    with op.batch_alter_table("booking_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.String(length=32), nullable=True))

    with op.batch_alter_table("callback_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("routed_to", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("callback_requests", schema=None) as batch_op:
        batch_op.drop_column("routed_to")

    with op.batch_alter_table("booking_events", schema=None) as batch_op:
        batch_op.drop_column("detail")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_resident_id"))
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("resident_id")
        batch_op.drop_column("priority")

    with op.batch_alter_table("rating_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rating_requests_resident_id"))
    op.drop_table("rating_requests")

    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_booking_id"))
    op.drop_table("proposals")
