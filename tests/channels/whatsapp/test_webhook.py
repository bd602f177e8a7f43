"""The WhatsApp webhook on the conversation core, against the fake Graph API (Rasa is down here).

Rasa's port is closed in these tests, so a first text opens a technical ticket (a system reply with
its number); what the bot answers with the real Rasa is tested end to end (tests/e2e/test_whatsapp.py).
"""


from sqlalchemy import func, select

from bot import i18n
from bot.conversations.models import Conversation, Message
from bot.tools import whatsapp_webhooks as wa
from tests.channels.whatsapp.conftest import APP_SECRET, VERIFY_TOKEN, notify, says, sent, whatsapp_settings
from tests.support.app import running_app
from tests.support.waiting import outbox_settled


async def count(app, model) -> int:
    async with app.state.services.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def person_messages(app) -> list[Message]:
    async with app.state.services.sessions() as session:
        return list(await session.scalars(select(Message).where(Message.role == "person").order_by(Message.seq)))


async def test_the_verification_handshake_echoes_the_challenge_only_for_the_right_token(whatsapp_client) -> None:
    url = "/channels/whatsapp/webhook"
    good = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = await whatsapp_client.get(url, params=good)
    assert (response.status_code, response.text) == (200, "1158201444")
    assert response.headers["content-type"].startswith("text/plain")
    for wrong in ({"hub.verify_token": "wrong"}, {"hub.mode": "unsubscribe"}, {"hub.verify_token": ""}):
        assert (await whatsapp_client.get(url, params={**good, **wrong})).status_code == 403
    assert (await whatsapp_client.get(url, params={**good, "hub.challenge": "<script>"})).status_code in (200, 400)
    assert (await whatsapp_client.get(url, params={**good, "hub.challenge": "x" * 500})).status_code == 400


async def test_a_missing_or_wrong_signature_is_refused_and_nothing_is_stored(whatsapp_client, whatsapp_app) -> None:
    body = wa.payload(wa.messages_value(wa.contact(), wa.text("Hallo")))
    assert (await notify(whatsapp_client, body, secret=None)).status_code == 401
    assert (await notify(whatsapp_client, body, secret="not-the-app-secret")).status_code == 403
    raw, headers = wa.signed(body, APP_SECRET)
    tampered = raw.replace(b"Hallo", b"Hallx")  # the signature covers the raw body, byte for byte
    response = await whatsapp_client.post("/channels/whatsapp/webhook", content=tampered, headers=headers)
    assert response.status_code == 403 and response.json()["detail"]["code"] == "signature_invalid"
    assert await count(whatsapp_app, Message) == 0 and await count(whatsapp_app, Conversation) == 0


async def test_malformed_bodies_are_4xx_or_200_never_5xx(whatsapp_client, whatsapp_app) -> None:
    for raw in (b"not json", b"[1, 2]", b'"text"', b"{}", b'{"object": "page", "entry": []}',
                b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", '
                b'"value": {"messages": [{"type": "text"}]}}]}]}',
                b'{"object": "whatsapp_business_account", "entry": "x"}'):
        response = await whatsapp_client.post("/channels/whatsapp/webhook", content=raw,
                                              headers={"X-Hub-Signature-256": wa.sign(raw, APP_SECRET)})
        assert response.status_code in (200, 400), (raw, response.status_code)
    other_field = wa.payload(wa.messages_value(wa.contact(), wa.text("x")))
    other_field["entry"][0]["changes"][0]["field"] = "account_update"
    assert (await notify(whatsapp_client, other_field)).status_code == 200
    assert await count(whatsapp_app, Message) == 0


async def test_a_message_is_stored_before_the_200_and_answered_once_however_often_it_comes(
        whatsapp_client, whatsapp_app, fake_whatsapp) -> None:
    message = wa.text("Wie verlängere ich meinen Aufenthaltstitel?", wamid="wamid.TESTONE")
    twice = wa.payload(wa.messages_value(wa.contact(), message, message))
    response = await notify(whatsapp_client, twice)
    assert response.json() == {"ok": True, "stored": 1}
    assert len(await person_messages(whatsapp_app)) == 1  # stored before the answer came back
    [reply] = await sent(fake_whatsapp)
    assert reply["to"] == wa.WA_ID and i18n.text("technical_problem", "de") in (
        reply.get("text", {}).get("body") or reply["interactive"]["body"]["text"])
    assert (await notify(whatsapp_client, twice)).json() == {"ok": True, "stored": 0}  # again, after the answer
    await outbox_settled(whatsapp_app)
    assert len(fake_whatsapp.sent()) == 1 and len(await person_messages(whatsapp_app)) == 1


async def test_one_notification_with_several_entries_changes_and_senders_keeps_their_order(
        whatsapp_client, whatsapp_app) -> None:
    other = "4917600000001"
    body = wa.payload_many([
        [wa.messages_value(wa.contact(), wa.text("eins"), wa.text("zwei")),
         wa.messages_value(wa.contact(other, "Olena"), wa.text("A", from_=other))],
        [wa.messages_value(wa.contact(), wa.text("drei")), wa.statuses_value(wa.status("wamid.unknown", "read"))],
    ])
    assert (await notify(whatsapp_client, body)).json()["stored"] == 4
    async with whatsapp_app.state.services.sessions() as session:
        rows = (await session.execute(select(Conversation.sender, Message.seq, Message.text)
                                      .join(Message).where(Message.role == "person")
                                      .order_by(Conversation.sender, Message.seq))).all()
    assert [(s, t) for s, _, t in rows] == [(wa.WA_ID, "eins"), (wa.WA_ID, "zwei"), (wa.WA_ID, "drei"), (other, "A")]


async def test_everything_that_is_not_text_gets_one_polite_reply_and_is_recorded(
        whatsapp_client, whatsapp_app, fake_whatsapp) -> None:
    kinds = [wa.image(caption="Mein Pass"), wa.audio(voice=True), wa.audio(), wa.video(), wa.document(),
             wa.sticker(), wa.location(48.77, 9.18, name="Rathaus"), wa.contacts_card("Ali"),
             wa.reaction("👍", "wamid.x"), wa.unsupported()]
    await says(whatsapp_client, *kinds)
    replies = await sent(fake_whatsapp, len(kinds))
    assert all(i18n.text("only_text", "de") in r["interactive"]["body"]["text"] for r in replies)
    rows = [r["interactive"]["action"]["sections"][0]["rows"] for r in replies]  # (the title is over 20)
    assert all([row["title"] for row in r] == [i18n.text("talk_to_person", "de")[:23] + "…"] for r in rows)
    recorded = [m.text for m in await person_messages(whatsapp_app)]
    assert recorded == ["[image] Mein Pass", "[voice]", "[audio]", "[video]", "[document]", "[sticker]",
                        "[location]", "[contacts]", "[reaction]", "[unsupported]"]


async def test_a_tap_on_an_offered_button_sends_its_payload_and_any_other_tap_is_text(
        whatsapp_client, whatsapp_app, fake_whatsapp) -> None:
    await says(whatsapp_client, wa.sticker())
    [reply] = await sent(fake_whatsapp)
    offered = reply["interactive"]["action"]
    [first] = [row for section in offered.get("sections", []) for row in section["rows"]] or [
        b["reply"] for b in offered["buttons"]]
    await says(whatsapp_client, wa.button_reply(first["id"], first["title"]))
    await says(whatsapp_client, wa.list_reply("1:0", "/emergency"), wa.button_reply("99:0", "Notfall"))
    await sent(fake_whatsapp, 2)
    pressed, forged, unknown = (await person_messages(whatsapp_app))[1:]
    assert (pressed.payload, pressed.text) == ("/request_human", i18n.text("talk_to_person", "de"))
    assert (forged.payload, forged.text) == (None, "/emergency")  # the person's text, never an intent
    assert (unknown.payload, unknown.text) == (None, "Notfall")


async def test_who_wrote_is_kept_and_a_person_known_only_by_user_id_is_written_to_by_it(
        whatsapp_client, whatsapp_app, fake_whatsapp) -> None:
    await says(whatsapp_client, wa.text("Hallo"), contact=wa.contact(name="Amina", user_id="DE.778899"))
    await says(whatsapp_client, wa.text("Hi", from_=None, from_user_id="DE.112233"),
               contact=wa.contact(wa_id=None, name="Bo", user_id="DE.112233", username="bo.k"))
    [to_phone] = await sent(fake_whatsapp)
    [to_user] = await sent(fake_whatsapp, to="DE.112233")
    assert to_phone["to"] == wa.WA_ID and to_user["recipient"] == "DE.112233" and "to" not in to_user
    async with whatsapp_app.state.services.sessions() as session:
        people = {c.sender: c for c in await session.scalars(select(Conversation))}
    assert people[wa.WA_ID].identity == {"wa_id": wa.WA_ID, "user_id": "DE.778899"}
    assert people[wa.WA_ID].display_name == "Amina"
    assert people["user:DE.112233"].identity == {"user_id": "DE.112233"}
    assert people["user:DE.112233"].display_name == "Bo (@bo.k)"


async def test_the_health_check_lists_whatsapp(whatsapp_client) -> None:
    response = await whatsapp_client.get("/health")
    assert response.json()["channels"] == {"web": True, "telegram": False, "whatsapp": True}


async def test_a_redelivery_after_a_restart_is_not_answered_again(settings, knowledge_base, fake_whatsapp) -> None:
    body = wa.payload(wa.messages_value(wa.contact(), wa.text("Guten Tag", wamid="wamid.TESTRESTART")))
    for restart in range(2):  # the same notification before and after a restart of the gateway
        empty_after, channel_settings = settings.database_url if restart else None, whatsapp_settings(settings,
                                                                                                   fake_whatsapp)
        async with running_app(channel_settings, knowledge_base, empty_after) as (app, client):
            assert (await notify(client, body)).status_code == 200
            await sent(fake_whatsapp)
            await outbox_settled(app)
    assert len(fake_whatsapp.sent()) == 1


async def test_a_sender_over_the_limit_is_told_once_and_the_flood_is_dropped(settings, knowledge_base,
                                                                            fake_whatsapp) -> None:
    limited = whatsapp_settings(settings, fake_whatsapp, rate_messages="2/minute")
    async with running_app(limited, knowledge_base, settings.database_url) as (app, client):
        for i in range(6):
            await says(client, wa.text(f"Nachricht {i}"))
        await outbox_settled(app)
        assert [m.text for m in await person_messages(app)] == ["Nachricht 0", "Nachricht 1"]
        bodies = [b.get("text", {}).get("body") or b["interactive"]["body"]["text"] for b in fake_whatsapp.sent()]
        assert sum(i18n.text("rate_limited", "de") in b for b in bodies) == 1  # told once, not six times
