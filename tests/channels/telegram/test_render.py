"""Every kind of reply as Telegram messages: escaped HTML, links, buttons, splitting, right to left."""

import datetime as dt

from bot.channels.telegram.render import MAX_CHARS, render
from bot.channels.text_layout import RLM, chunks
from bot.conversations.messages import Button, ChatMessage, SourceRef
from bot.conversations.payloads import parse_button_ref as parse_callback_data


def message(text: str, **fields) -> ChatMessage:
    return ChatMessage(seq=7, id="m", role="bot", kind=fields.pop("kind", "answer"), text=text,
                       language=fields.pop("language", "de"), created_at=dt.datetime.now(dt.UTC), **fields)


def test_text_is_escaped_and_sources_become_links() -> None:
    [part] = render(message("Bring <Pass> & Foto mit.", sources=[
        SourceRef(title="BAMF <Info>", url="https://www.bamf.de/a?b=1&c=2"), SourceRef(title="x", url="javascript:1")]))
    assert part.html.startswith("Bring &lt;Pass&gt; &amp; Foto mit.")
    assert '<a href="https://www.bamf.de/a?b=1&amp;c=2">BAMF &lt;Info&gt;</a>' in part.html
    assert "javascript" not in part.html  # only web links


def test_buttons_carry_the_message_and_position_not_the_payload() -> None:
    buttons = [Button(title="Blaue Karte", payload='/ask_question{"kb_id": "x"}'),
               Button(title="Ein Mensch", payload="/request_human")]
    [part] = render(message("?", kind="clarify", buttons=buttons))
    assert [[k.callback_data for k in row] for row in part.keyboard] == [["7:0"], ["7:1"]]
    assert all(len(k.callback_data.encode()) <= 64 for row in part.keyboard for k in row)
    assert parse_callback_data("7:1") == (7, 1)


def test_forged_callback_data_is_nothing() -> None:
    for data in ("", "7", "a:b", "7:1:2", "-1:0", "²:0", "7:٣", "1" * 11 + ":0", "/request_human"):
        assert parse_callback_data(data) is None, data


def test_a_long_reply_is_split_at_paragraphs_and_the_keyboard_goes_last() -> None:
    paragraphs = [f"Absatz {i}: " + "wort " * 150 for i in range(12)]  # about 9,000 characters
    parts = render(message("\n\n".join(paragraphs), buttons=[Button(title="Ja", payload="/feedback_positive")]))
    assert len(parts) >= 3 and all(len(p.html) <= MAX_CHARS for p in parts)
    assert all(p.html.startswith("Absatz") for p in parts)  # every part begins with a whole paragraph
    assert [bool(p.keyboard) for p in parts] == [False] * (len(parts) - 1) + [True]


def test_one_paragraph_over_the_limit_is_split_by_words() -> None:
    parts = chunks(["wort " * 2000], MAX_CHARS)
    assert len(parts) == 3 and all(len(p) <= MAX_CHARS for p in parts) and all(not p.startswith(" ") for p in parts)


def test_arabic_and_persian_paragraphs_read_right_to_left() -> None:
    [part] = render(message("123 مرحبا\n\nB1 دورة", language="ar"))
    assert [line[0] for line in part.html.split("\n") if line] == [RLM, RLM]
    [german] = render(message("123 Hallo"))
    assert RLM not in german.html
