"""WhatsApp: the person's ids, the time of their latest message and the 24-hour window; sent parts for status reports

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("identity", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("last_person_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("window_closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("invited_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "sent_parts",
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_sent_parts_message_id_messages"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("channel", "external_id", name=op.f("pk_sent_parts")),
    )
    op.create_index(op.f("ix_sent_parts_message_id"), "sent_parts", ["message_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sent_parts_message_id"), table_name="sent_parts")
    op.drop_table("sent_parts")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("invited_at")
        batch.drop_column("window_closed_at")
        batch.drop_column("last_person_at")
        batch.drop_column("identity")
