"""The scaled profile as a cluster (`make run-scaled`): PostgreSQL, Redis, nginx, two gateway workers,
two Rasa servers and two action servers, all real processes on loopback."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import psycopg
import pytest

from bot.paths import KB_INDEX
from bot.tools.chaos import under_fire
from bot.tools.devstack import Stack, StackConfig
from bot.tools.fake_telegram import FakeTelegram
from bot.tools.local_env import UNLIMITED_RATES, free_port
from bot.tools.scaled_profile import ScaledProfile
from tests.e2e.conftest import TELEGRAM_SECRET, TELEGRAM_TOKEN, Person
from tests.e2e.ordering import check_twenty_at_once, tracker
from tests.e2e.staff import create_agent, logged_in

pytestmark = pytest.mark.e2e
PROFILE = ScaledProfile.scratch("willkommen_cluster_test", redis_db=12)
# a dead worker's lock expires and its stored messages are swept up within seconds here (minutes in production)
FAST_RECOVERY = {"LOCK_LEASE_SECONDS": "4", "RECOVERY_SWEEP_SECONDS": "2", "RECOVERY_AFTER_SECONDS": "8"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, fake_telegram: FakeTelegram) -> Iterator[Stack]:
    PROFILE.reset()
    telegram = {"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
                "TELEGRAM_MODE": "webhook", "PUBLIC_BASE_URL": "https://gateway.musterstadt.test",
                "TELEGRAM_API_BASE_URL": fake_telegram.api_base_url.removesuffix("/bot")}
    config = StackConfig.on_free_ports(PROFILE, var_dir=tmp_path_factory.mktemp("cluster"), extra_env={
        "KB_INDEX_DIR": str(KB_INDEX), **telegram, **UNLIMITED_RATES, **FAST_RECOVERY})
    with Stack(config) as stack:
        stack.start(stack.prepare())
        stack.wait_healthy(timeout=900)
        yield stack


def workers(stack: Stack) -> list[str]:
    return stack.gateway_urls()[1:]


def test_the_profile_runs_two_of_each_behind_nginx_on_postgresql_and_redis(cluster: Stack) -> None:
    names = set(cluster.processes)
    assert {"nginx", "gateway-1", "gateway-2", "rasa-1", "rasa-2", "actions-1", "actions-2"} <= names
    for url in workers(cluster):
        assert httpx.get(f"{url}/health", timeout=10).status_code == 200
    env = cluster.env()
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://") and env["REDIS_URL"].startswith("redis://")
    with psycopg.connect(PROFILE.tracker_url.replace("+psycopg", "")) as connection:
        tables = {row[0] for row in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
    assert "events" in tables  # Rasa's tracker store lives in PostgreSQL


def test_twenty_messages_at_once_through_both_workers_stay_in_order(cluster: Stack) -> None:
    with httpx.Client(base_url=cluster.config.gateway_url, timeout=60) as gateway:
        check_twenty_at_once(Person(gateway), cluster, workers(cluster))


def test_a_widget_on_worker_a_hears_a_staff_reply_sent_through_worker_b(cluster: Stack) -> None:
    a, b = workers(cluster)
    with httpx.Client(base_url=a, timeout=60) as gateway:
        person = Person(gateway)
        replies = person.says("Ich möchte bitte mit einem Menschen sprechen")
    assert any(r["kind"] == "handoff" for r in replies), replies
    staff = {"Authorization": f"Bearer {cluster.env()['STAFF_API_TOKEN']}"}
    [ticket] = [t for t in httpx.get(f"{b}/api/v1/staff/tickets", headers=staff, timeout=10).json()["tickets"]
                if t["conversation_id"] == person.id]

    heard: list[dict] = []
    listening = threading.Event()

    def listen() -> None:  # what the widget does: EventSource on the worker it happens to reach
        with httpx.stream("GET", f"{a}/api/v1/conversations/{person.id}/events", params={"token": person.token},
                          timeout=30) as response:
            for line in response.iter_lines():
                if line.startswith(":"):
                    listening.set()
                if line.startswith("data: "):
                    listening.set()
                    heard.append(json.loads(line[len("data: "):]))
                    if heard[-1]["role"] == "staff":
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert listening.wait(20)
    text = "Guten Tag, hier ist Anna vom Welcome Center."
    reply = httpx.post(f"{b}/api/v1/staff/tickets/{ticket['number']}/reply", json={"staff": "Anna", "text": text},
                       headers=staff, timeout=30)
    assert reply.status_code == 200, reply.text
    listener.join(20)
    assert heard and heard[-1]["role"] == "staff" and heard[-1]["text"] == text


def test_the_inbox_open_on_worker_a_hears_a_handoff_made_through_worker_b(cluster: Stack) -> None:
    a, b = workers(cluster)
    staff = logged_in(cluster, create_agent(cluster, "welcome_center"), base_url=a)
    events: list[dict] = []
    connected = threading.Event()

    def listen() -> None:
        with staff.stream("GET", "/inbox/events", timeout=httpx.Timeout(30, read=25)) as stream:
            for line in stream.iter_lines():
                connected.set()
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
                    if events[-1]["change"] == "created":
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert connected.wait(10)
    with httpx.Client(base_url=b, timeout=60) as gateway:
        person = Person(gateway)
        assert person.says("Ich möchte mit einem Menschen sprechen")[-1]["kind"] == "handoff"
    listener.join(20)
    assert [e["conversation_id"] for e in events if e["change"] == "created"] == [person.id]


def test_a_stream_that_reconnects_to_the_other_worker_with_last_event_id_misses_nothing(cluster: Stack) -> None:
    a, b = workers(cluster)
    with httpx.Client(base_url=a, timeout=60) as gateway:
        person = Person(gateway)
        person.says("Hallo")
        seen = person.last_seq()  # what the widget had shown when its stream to worker A broke
        person.says("Danke")  # written while it was away
        person.says("Tschüss")
    expected = [m["seq"] for m in gateway_history(b, person) if m["seq"] > seen]
    streamed: list[int] = []
    with httpx.stream("GET", f"{b}/api/v1/conversations/{person.id}/events", params={"token": person.token},
                      headers={"Last-Event-ID": str(seen)}, timeout=30) as response:
        for line in response.iter_lines():
            if line.startswith("id: "):
                streamed.append(int(line[len("id: "):]))
                if streamed[-1] == expected[-1]:
                    break
    assert streamed == expected and len(expected) >= 4  # two messages and at least one reply to each


def gateway_history(url: str, person: Person) -> list[dict]:
    response = httpx.get(f"{url}/api/v1/conversations/{person.id}/messages", headers=person.headers, timeout=10)
    return list(response.json()["messages"])


def test_a_telegram_update_delivered_to_both_workers_is_answered_once(cluster: Stack,
                                                                      fake_telegram: FakeTelegram) -> None:
    chat = free_port() * 10  # a chat nobody else uses
    update = {"update_id": chat, "message": {"message_id": 1, "date": 1764770000, "text": "Guten Tag",
                                             "chat": {"id": chat, "type": "private"},
                                             "from": {"id": chat, "is_bot": False, "first_name": "Olena"}}}
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    with ThreadPoolExecutor(4) as pool:  # Telegram retried while the first delivery was still being handled
        answers = list(pool.map(lambda url: httpx.post(f"{url}/channels/telegram/webhook", json=update,
                                                       headers=headers, timeout=30), workers(cluster) * 2))
    assert [a.status_code for a in answers] == [200] * 4
    fake_telegram.wait_for("sendMessage", lambda c: str(c["params"]["chat_id"]) == str(chat), timeout=60)
    second = {"update_id": chat + 1, "message": {**update["message"], "message_id": 2, "text": "Danke"}}
    assert httpx.post(f"{workers(cluster)[0]}/channels/telegram/webhook", json=second, headers=headers,
                      timeout=30).status_code == 200
    # the reply to the next message proves the first was finished: one answer to each, none twice
    fake_telegram.wait_for("sendMessage", lambda c: str(c["params"]["chat_id"]) == str(chat), timeout=60, count=2)
    texts = [m["text"] for m in fake_telegram.sent_messages(chat)]
    assert len(texts) == 2 and texts[0] != texts[1], texts


def test_two_rasa_instances_take_turns_on_one_conversation(cluster: Stack) -> None:
    """Decision 41: messages of one conversation sent to both Rasa instances at once (what happens when
    the proxy moves a conversation) are handled one turn at a time, thanks to Rasa's Redis lock store,
    and both instances read and write the one tracker in PostgreSQL."""
    env = cluster.env()
    rasa = [f"http://127.0.0.1:{port}" for port in cluster.config.replica_ports(cluster.config.rasa_port)]
    sender = f"rasa-turns-{free_port()}"
    texts = [f"Hallo {i}" for i in range(8)]

    def send(i: int) -> httpx.Response:
        return httpx.post(f"{rasa[i % 2]}/webhooks/gateway/webhook", timeout=60,
                          headers={"Authorization": f"Bearer {env['RASA_CHANNEL_TOKEN']}"},
                          json={"sender": sender, "message": texts[i], "metadata": {"input": "text"}})

    with ThreadPoolExecutor(len(texts)) as pool:
        responses = list(pool.map(send, range(len(texts))))
    assert all(r.status_code == 200 and r.json() for r in responses), [r.text[:200] for r in responses]
    events = tracker(cluster, sender)["events"]
    users = [e for e in events if e["event"] == "user"]
    assert sorted(e["text"].rsplit(" ", 1)[-1] for e in users) == sorted(t.rsplit(" ", 1)[-1] for t in texts)
    # every turn is whole: after each user message the bot acts and then listens, before the next one
    kinds = [e["event"] if e["event"] != "action" else e["name"] for e in events
             if e["event"] == "user" or (e["event"] == "action" and e["name"] == "action_listen")]
    turns = "".join("u" if k == "user" else "l" for k in kinds).lstrip("l")
    assert turns == "ul" * len(texts), turns


def test_killing_a_gateway_worker_and_a_rasa_instance_under_load_loses_nothing(cluster: Stack) -> None:
    report = asyncio.run(under_fire(cluster, seconds=45, pause=8, down_for=8, victims=["gateway-1", "rasa-1"],
                                    writers=6))
    assert report["acknowledged"] > 20, report
    assert report["lost"] == report["stored_twice"] == report["unanswered"] == 0, report
    assert report["duplicated_replies"] == 0, report
    assert [k["killed"] for k in report["kills"]] == ["gateway-1", "rasa-1"]
