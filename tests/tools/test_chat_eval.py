"""Rating what a person got through the chat API: direct, one tap, wrong, a person; and the chart."""

from bot.tools.chat_eval import Rated, rate, summarise
from bot.tools.chat_eval_report import svg_chart

QUESTION = {"text": "Wie melde ich mich an?", "language": "de", "kb_id": "registration-anmeldung", "kind": "answerable"}


def answer(kb_id: str) -> dict:
    return {"role": "bot", "kind": "answer", "kb_id": kb_id, "language": "de", "buttons": []}


def clarify(*kb_ids: str) -> dict:
    buttons = [{"payload": f'/ask_question{{"kb_id": "{k}"}}'} for k in kb_ids]
    return {"role": "bot", "kind": "clarify", "language": "de", "buttons": [*buttons, {"payload": "/request_human"}]}


HANDOFF = {"role": "system", "kind": "handoff", "language": "de", "buttons": []}


def test_an_answerable_question_is_rated_by_what_came_back() -> None:
    assert rate(QUESTION, [answer("registration-anmeldung")]) == ("direct", "registration-anmeldung")
    assert rate(QUESTION, [answer("finding-a-flat")]) == ("wrong", "finding-a-flat")
    assert rate(QUESTION, [clarify("finding-a-flat", "registration-anmeldung")]) == ("one_tap", None)
    assert rate(QUESTION, [clarify("finding-a-flat", "bank-account")]) == ("other", None)
    assert rate(QUESTION, [HANDOFF]) == ("person", None)


def test_a_personal_case_must_reach_a_person_and_an_uncovered_question_must_not_be_answered() -> None:
    personal = {**QUESTION, "kind": "personal", "kb_id": "refusal-or-deportation"}
    assert rate(personal, [answer("refusal-or-deportation"), HANDOFF])[0] == "person"
    assert rate(personal, [answer("refusal-or-deportation")])[0] == "wrong"
    uncovered = {**QUESTION, "kind": "uncovered", "kb_id": None}
    assert rate(uncovered, [answer("bank-account")])[0] == "wrong"
    assert rate(uncovered, [HANDOFF])[0] == "person"


def test_shares_are_of_the_answerable_questions() -> None:
    def item(outcome: str, kind: str = "answerable", ok: bool = True) -> Rated:
        return Rated("q", "de", kind, "x" if kind == "answerable" else None, "housing", outcome, ["de"], ok, None)
    summary = summarise([item("direct"), item("one_tap"), item("wrong"), item("person"),
                         item("wrong", "uncovered", ok=False)])
    assert (summary["answerable"], summary["direct"], summary["one_tap"], summary["wrong"]) == (4, 0.25, 0.5, 0.25)
    assert summary["uncovered_answered"] == 1.0 and summary["language_ok"] == 0.8


def test_the_chart_has_one_group_of_bars_per_language() -> None:
    svg = svg_chart({"de": {"direct": 0.8, "one_tap": 0.95, "wrong": 0.0},
                     "es": {"direct": 0.5, "one_tap": 0.9, "wrong": 0.02}})
    assert svg.startswith("<svg") and svg.count("<rect") == 3 + 2 * 3  # legend + bars
    assert "es one_tap: 90.0%" in svg
