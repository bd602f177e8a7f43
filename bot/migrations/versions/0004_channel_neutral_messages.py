"""channel-neutral messages: a conversation's sender identity, each message's channel id (stored once),
whether the person's message was handled, and which message a reply answers

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("sender", sa.String(length=120), nullable=True))
        batch.alter_column("token_hash", existing_type=sa.String(length=64), nullable=True)
    op.execute("UPDATE conversations SET sender = id, channel = 'web' WHERE channel = 'webchat' OR sender IS NULL")
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column("sender", existing_type=sa.String(length=120), nullable=False)
        batch.create_unique_constraint(op.f("uq_conversations_channel"), ["channel", "sender"])

    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("external_id", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reply_to", sa.Integer(), nullable=True))
        batch.create_unique_constraint(op.f("uq_messages_channel"), ["channel", "external_id"])
    # everything stored before this revision was answered in the same request
    op.execute("UPDATE messages SET handled_at = created_at WHERE role = 'person'")


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint(op.f("uq_messages_channel"), type_="unique")
        batch.drop_column("reply_to")
        batch.drop_column("handled_at")
        batch.drop_column("external_id")
        batch.drop_column("channel")
    op.execute("UPDATE conversations SET channel = 'webchat' WHERE channel = 'web'")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_constraint(op.f("uq_conversations_channel"), type_="unique")
        batch.drop_column("sender")
