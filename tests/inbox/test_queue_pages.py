"""The queue in pages, with filters and counts, on a seeded queue (SQLite and PostgreSQL)."""

import html
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.inbox.queue import Cursor, QueueFilter
from bot.inbox.ticket_reads import TicketReader
from tests.inbox.queue_support import NEXT, PREV, ROW, expected, facet, seeded, walk
from tests.inbox.support import HTML, login
from tests.inbox.test_staff_api import STAFF

TICKETS = 160


@pytest.mark.parametrize("status", ["waiting", "open", "assigned", "resolved", "mine"])
async def test_the_pages_show_every_ticket_of_a_view_once_in_the_queues_order(client, app, accounts, status) -> None:
    rows = await seeded(app, TICKETS)
    await login(client, "chef")
    wanted = QueueFilter(status=status)
    forward = await walk(client, f"/inbox/?status={status}&limit=3")
    assert [n for page in forward for n in page] == expected(rows, wanted, me="chef")
    assert all(len(page) == 3 for page in forward[:-1]) and len(forward) > 1
    # and back from the last page to the first, page by page
    last = await client.get(f"/inbox/?status={status}&limit=3", headers=HTML)
    url = html.unescape(NEXT.search(last.text).group(1))
    while (page := await client.get(url, headers=HTML)) and NEXT.search(page.text):
        url = html.unescape(NEXT.search(page.text).group(1))
    backward = await walk(client, url, PREV)
    assert backward[::-1] == forward


async def test_a_filtered_view_pages_through_its_own_tickets_and_its_links_keep_the_filters(client, app,
                                                                                           accounts) -> None:
    rows = await seeded(app, TICKETS)
    await login(client, "chef")
    wanted = QueueFilter(status="open", language="ar", channel="web")
    pages = await walk(client, "/inbox/?status=open&language=ar&channel=web&limit=2")
    assert [n for page in pages for n in page] == expected(rows, wanted) and len(pages) > 1
    first = await client.get("/inbox/?status=open&language=ar&channel=web&limit=2", headers=HTML)
    link = parse_qs(urlsplit(html.unescape(NEXT.search(first.text).group(1))).query)
    assert {k: v[0] for k, v in link.items() if k != "after"} == {"status": "open", "language": "ar",
                                                                   "channel": "web", "limit": "2"}
    # a tab keeps the filters too, and starts at its first page
    assert 'href="/inbox/?status=resolved&amp;language=ar&amp;channel=web&amp;limit=2"' in first.text


@pytest.mark.parametrize("wanted", [
    QueueFilter(status="waiting"), QueueFilter(status="open", urgent=True), QueueFilter(status="resolved"),
    QueueFilter(status="open", office="auslaenderbehoerde", topic="residence"),
    QueueFilter(status="waiting", language="uk", urgent=False), QueueFilter(status="open", channel="telegram"),
    QueueFilter(status="mine", language="ar")], ids=repr)
async def test_counts_per_value_of_each_filter_are_those_of_the_other_filters(app, wanted) -> None:
    rows = await seeded(app, TICKETS)
    async with app.state.services.sessions() as session:
        counts = await TicketReader(session).queue_counts(wanted, me="anna")
    assert counts.total == len(expected(rows, wanted, me="anna"))
    for name in ("urgent", "language", "channel", "office", "topic"):
        assert getattr(counts, name) == facet(rows, wanted, name, me="anna"), name
    for status in ("waiting", "assigned", "resolved", "open", "mine"):
        assert counts.status.get(status, 0) == len(expected(rows, QueueFilter(**{**vars(wanted), "status": status}),
                                                            me="anna")), status


async def test_an_agent_sees_pages_and_counts_of_their_own_office_only(client, app, accounts) -> None:
    rows = await seeded(app, TICKETS)
    await login(client, "anna")  # welcome_center
    pages = await walk(client, "/inbox/?status=open&limit=10")
    assert [n for page in pages for n in page] == expected(rows, QueueFilter(status="open"), office="welcome_center")
    async with app.state.services.sessions() as session:
        counts = await TicketReader(session).queue_counts(QueueFilter(status="open"), visible_office="welcome_center")
    assert set(counts.office) == {"welcome_center"}
    assert sum(counts.language.values()) <= counts.total < len([r for r in rows if r.status != "resolved"])
    other = await client.get("/inbox/?status=open&office=auslaenderbehoerde", headers=HTML)
    assert ROW.findall(other.text) == [] and "Keine Tickets" in other.text
    assert 'name="office"' not in other.text  # no office filter for an agent


async def test_the_page_shows_the_counts_and_a_total(client, app, accounts) -> None:
    rows = await seeded(app, TICKETS)
    await login(client, "chef")
    page = (await client.get("/inbox/?status=waiting&channel=web", headers=HTML)).text
    waiting = len(expected(rows, QueueFilter(status="waiting", channel="web")))
    assert f"{waiting} Tickets in dieser Ansicht (gefiltert)" in page
    urgent = facet(rows, QueueFilter(status="waiting", channel="web"), "urgent").get("1", 0)
    assert f"nur Notfälle ({urgent})" in page
    assert f"Wartend <span class=\"count\">({waiting})</span>" in page
    claimed = len(expected(rows, QueueFilter(status="assigned", channel="web")))
    assert f"In Bearbeitung <span class=\"count\">({claimed})</span>" in page


async def test_a_cursor_or_filter_that_cannot_be_one_is_ignored(client, app, accounts) -> None:
    rows = await seeded(app, 30)
    await login(client, "chef")
    first = expected(rows, QueueFilter(status="waiting"))[:50]
    for query in ("after=nonsense", "before=1.2", "language=%3Cscript%3E", "channel=fax", "urgent=maybe",
                  "limit=-3", "status=everything", "office=..%2F"):
        page = await client.get(f"/inbox/?{query}", headers=HTML)
        assert page.status_code == 200 and ROW.findall(page.text) == first, query


async def test_a_previous_page_after_tickets_left_the_queue_is_the_full_first_page(client, app, accounts) -> None:
    rows = await seeded(app, 40)
    await login(client, "chef")
    order = expected(rows, QueueFilter(status="open"))
    third = next(r for r in rows if r.number == order[2])
    cursor = Cursor(third.urgent, third.created_at, third.id).token()
    page = await client.get(f"/inbox/?status=open&limit=5&before={cursor}", headers=HTML)
    assert ROW.findall(page.text) == order[:5] and not PREV.search(page.text)


async def test_the_staff_api_keeps_its_answer_and_pages_on_request(client, app) -> None:
    rows = await seeded(app, 60)
    unpaged = (await client.get("/api/v1/staff/tickets", headers=STAFF)).json()
    assert list(unpaged) == ["tickets"] and [t["number"] for t in unpaged["tickets"]] == expected(
        rows, QueueFilter(status="open"))
    numbers, after = [], None
    while True:
        params = {"status": "resolved", "limit": 8, **({"after": after} if after else {})}
        body = (await client.get("/api/v1/staff/tickets", params=params, headers=STAFF)).json()
        numbers += [t["number"] for t in body["tickets"]]
        if not (after := body["next_after"]):
            break
    assert numbers == expected(rows, QueueFilter(status="resolved"))
    filtered = (await client.get("/api/v1/staff/tickets", params={"language": "ar", "urgent": "false"},
                                 headers=STAFF)).json()
    assert [t["number"] for t in filtered["tickets"]] == expected(rows, QueueFilter(language="ar", urgent=False))
    refused = await client.get("/api/v1/staff/tickets", params={"after": "nonsense"}, headers=STAFF)
    assert refused.status_code == 422 and refused.json()["detail"]["code"] == "cursor_invalid"
