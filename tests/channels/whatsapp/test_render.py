"""Every kind of reply as WhatsApp messages: plain text and links, buttons or a list, limits, splitting."""

import datetime as dt

from bot import i18n
from bot.channels.text_layout import RLM
from bot.channels.whatsapp.render import (
    MAX_BODY,
    MAX_ROW_DESCRIPTION,
    MAX_ROW_TITLE,
    MAX_TEXT,
    render,
    template_message,
)
from bot.conversations.messages import Button, ChatMessage, SourceRef, feedback_buttons, person_button
from bot.knowledge.schema import MessageTemplate


def message(text: str, **fields) -> ChatMessage:
    return ChatMessage(seq=9, id="m", role="bot", kind=fields.pop("kind", "answer"), text=text,
                       language=fields.pop("language", "de"), created_at=dt.datetime.now(dt.UTC), **fields)


def test_text_stays_plain_and_sources_are_plain_links() -> None:
    [part] = render(message("Bring <Pass> & *Foto* mit.", sources=[
        SourceRef(title="BAMF", url="https://www.bamf.de/a?b=1&c=2"), SourceRef(title="x", url="javascript:1")]))
    assert part == {"type": "text", "text": {"preview_url": False, "body":
                                             "Bring <Pass> & *Foto* mit.\n\n🔗 BAMF: https://www.bamf.de/a?b=1&c=2"}}


def test_up_to_three_short_buttons_are_reply_buttons_with_our_reference_as_id() -> None:
    buttons = [*feedback_buttons("de"), Button(title="Ein Mensch", payload="/request_human")]
    [part] = render(message("Hat das geholfen?", buttons=buttons))
    interactive = part["interactive"]
    assert part["type"] == "interactive" and interactive["type"] == "button"
    assert interactive["body"] == {"text": "Hat das geholfen?"}
    assert [b["reply"] for b in interactive["action"]["buttons"]] == [
        {"id": "9:0", "title": "Ja"}, {"id": "9:1", "title": "Nein"}, {"id": "9:2", "title": "Ein Mensch"}]


def test_long_titles_or_more_than_three_options_become_a_list_with_the_whole_title_as_description() -> None:
    long_title = "Aufenthaltserlaubnis verlängern: was Sie mitbringen müssen"
    buttons = [Button(title=long_title, payload="/a"), Button(title="Anmeldung", payload="/b"), person_button("de")]
    [part] = render(message("Meinten Sie:", kind="clarify", buttons=buttons))
    interactive = part["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"]["button"] == i18n.text("choose_option", "de")
    rows = interactive["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == ["9:0", "9:1", "9:2"]
    assert len(rows[0]["title"]) <= MAX_ROW_TITLE and rows[0]["title"].endswith("…")
    assert rows[0]["description"] == long_title  # (58 characters: it fits)
    assert rows[1] == {"id": "9:1", "title": "Anmeldung"}
    [part] = render(message("?", buttons=[Button(title="x" * 100, payload="/a")]))
    assert len(part["interactive"]["action"]["sections"][0]["rows"][0]["description"]) == MAX_ROW_DESCRIPTION
    many = [Button(title=f"Option {i}", payload=f"/o{i}") for i in range(12)]
    [part] = render(message("?", buttons=many))
    assert len(part["interactive"]["action"]["sections"][0]["rows"]) == 10


def test_duplicate_titles_cannot_be_reply_buttons() -> None:
    [part] = render(message("?", buttons=[Button(title="Ja", payload="/a"), Button(title="Ja", payload="/b")]))
    assert part["interactive"]["type"] == "list"


def test_long_text_is_split_at_paragraphs_and_the_part_with_buttons_fits_1024() -> None:
    paragraphs = [f"Absatz {i}: " + "wort " * 150 for i in range(12)]  # ~760 characters each
    parts = render(message("\n\n".join(paragraphs), buttons=feedback_buttons("de")))
    texts, last = parts[:-1], parts[-1]
    assert all(p["type"] == "text" and len(p["text"]["body"]) <= MAX_TEXT for p in texts)
    assert last["type"] == "interactive" and len(last["interactive"]["body"]["text"]) <= MAX_BODY
    bodies = [p["text"]["body"] for p in texts] + [last["interactive"]["body"]["text"]]
    assert all(b.startswith("Absatz") for b in bodies)  # every part begins with a whole paragraph
    assert "".join(bodies).count("Absatz") == 12  # nothing lost
    plain = render(message("\n\n".join(paragraphs)))
    assert all(p["type"] == "text" and len(p["text"]["body"]) <= MAX_TEXT for p in plain) and len(plain) == 3


def test_arabic_and_persian_paragraphs_read_right_to_left() -> None:
    [part] = render(message("123 مرحبا\n\nB1 دورة", language="fa"))
    assert part["text"]["body"] == f"{RLM}123 مرحبا\n\n{RLM}B1 دورة"


def test_the_template_is_sent_in_the_persons_language_or_english() -> None:
    template = MessageTemplate(name="willkommen_reply_waiting", languages={"de": "de", "en": "en_US", "uk": "uk"})
    assert template_message(template, "uk") == {"type": "template", "template": {
        "name": "willkommen_reply_waiting", "language": {"code": "uk"}}}
    assert template_message(template, "so")["template"]["language"] == {"code": "en_US"}
    assert template_message(template, None)["template"]["language"] == {"code": "en_US"}
