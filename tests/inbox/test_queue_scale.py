"""The queue at 10,000 tickets on PostgreSQL: every page query reads an index, never the whole tickets table."""

import pytest

from bot.inbox.queue import Cursor, QueueFilter
from bot.tools.query_plans import Plan, explain, recorded
from tests.inbox.queue_support import ROW, expected, seeded
from tests.inbox.support import HTML, login

SCALE = 10_000


async def plans_of_the_page(client, app, url: str) -> list[Plan]:
    """Load the page; EXPLAIN every query of it that reads a page of tickets (ORDER BY ... LIMIT)."""
    with recorded(app.state.services.engine) as statements:
        page = await client.get(url, headers=HTML)
    assert page.status_code == 200 and ROW.findall(page.text), url
    async with app.state.services.sessions() as session:
        connection = await session.connection()
        return [await explain(connection, s) for s in statements if s.reads_tickets and "LIMIT" in s.sql]


async def test_the_queue_pages_read_indexes_at_10000_tickets(client, app, accounts, settings) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("query plans are PostgreSQL's; SQLite serves development only")
    rows = await seeded(app, SCALE)
    async with app.state.services.sessions() as session:
        connection = await session.connection()
        for table in ("tickets", "conversations", "messages"):
            await connection.exec_driver_sql(f"ANALYZE {table}")
    await login(client, "chef")
    order = expected(rows, QueueFilter(status="open"))
    middle = next(r for r in rows if r.number == order[len(order) // 2])
    deep = Cursor(middle.urgent, middle.created_at, middle.id).token()

    # the main page and every filter: an index, and no sequential scan of the tickets table
    for query in ("", "status=open", "language=ar", "channel=telegram", "urgent=1", "office=auslaenderbehoerde",
                  "topic=health", "status=mine", "status=open&language=uk&channel=whatsapp&urgent=0"):
        plans = await plans_of_the_page(client, app, f"/inbox/?{query}")
        assert plans and all(plan.indexes and "tickets" not in plan.seq_scans for plan in plans), (
            query, [plan.summary() for plan in plans])
    # deep in the list, and the resolved view: the queue's own indexes seek to the cursor
    ordered = {f"/inbox/?status=open&after={deep}": "ix_tickets_open_queue",
               f"/inbox/?status=open&before={deep}": "ix_tickets_open_queue",
               "/inbox/?status=resolved": "ix_tickets_resolved_queue"}
    for url, index in ordered.items():
        plans = await plans_of_the_page(client, app, url)
        assert plans and all(plan.indexes[:1] == [index] and not plan.seq_scans for plan in plans), (
            url, [plan.summary() for plan in plans])

    await login(client, "anna")  # an agent: the same, within one office
    plans = await plans_of_the_page(client, app, "/inbox/?status=open")
    assert plans and all(plan.indexes and "tickets" not in plan.seq_scans for plan in plans), (
        [plan.summary() for plan in plans])
