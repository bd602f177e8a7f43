"""Indexes for the inbox queue at scale: its pages in order, and its counts

- ix_tickets_open_queue: the open views (waiting, assigned, mine, all open) in their order, one leg at a
  time (urgent first, then the others, each oldest first); a page seeks to its cursor and reads 51 rows.
  Partial: only open tickets, so it stays as small as the backlog while resolved tickets pile up.
- ix_tickets_resolved_queue: the resolved view, latest first (read backwards), same idea.
- ix_tickets_queue_counts: the counts per status, office, language, topic and urgency (GROUP BY) and the
  waiting counter read this index alone (index-only scans); conversation_id joins the channel counts.

Plain columns only: an index on an expression would be lost on SQLite whenever a later migration
rebuilds the table in batch mode (SQLAlchemy cannot reflect it). See bot/inbox/queue.py.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('waiting', 'assigned')")
RESOLVED = sa.text("status = 'resolved'")


def upgrade() -> None:
    op.create_index("ix_tickets_open_queue", "tickets", ["urgent", "created_at", "id"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_tickets_resolved_queue", "tickets", ["resolved_at", "id"],
                    postgresql_where=RESOLVED, sqlite_where=RESOLVED)
    op.create_index("ix_tickets_queue_counts", "tickets",
                    ["status", "office", "language", "topic", "urgent", "conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_queue_counts", table_name="tickets")
    op.drop_index("ix_tickets_resolved_queue", table_name="tickets")
    op.drop_index("ix_tickets_open_queue", table_name="tickets")
