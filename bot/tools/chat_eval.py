"""`make eval-chat`: the fresh held-out questions as a new user asks them, through the chat API.

Every question of `eval/fresh_heldout.jsonl` (written for this, never tuned on) opens a new
conversation on a real stack (Rasa, the action server, the gateway). The replies are rated as the
person gets them:
- direct: an answer with the right entry, and no clarification in front of it;
- one tap: a clarification whose buttons include the right entry;
- wrong: an answer with another entry (personal cases: no person);
- person: handed to staff (for a personal case, the right outcome);
- language: every reply is in the person's language, or, for a language we do not support, in
  English (never in a third one).
Results per language, per topic and per kind in reports/quality/chat_api.{json,md}, with a chart.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from bot.knowledge.calibration_data import EVAL, read_jsonl
from bot.knowledge.loader import load
from bot.languages import SUPPORTED_LANGUAGES, UNSUPPORTED_FALLBACK
from bot.paths import KNOWLEDGE_BASE, ROOT, SITE_FILE
from bot.tools.chat_eval_report import markdown, svg_chart
from bot.tools.reports import save_report

OUT = ROOT / "reports" / "quality"
FRESH = EVAL / "fresh_heldout.jsonl"
UNSUPPORTED = EVAL / "fresh_unsupported.jsonl"  # languages we do not support: English replies expected
CONCURRENCY = 4


@dataclass(frozen=True)
class Rated:
    text: str
    language: str
    kind: str  # answerable | uncovered | personal | unsupported
    kb_id: str | None
    topic: str | None
    outcome: str  # direct | one_tap | wrong | person | other
    reply_languages: list[str]
    language_ok: bool
    answered: str | None  # the entry the bot answered with, if any


def rate(row: dict, replies: list[dict]) -> tuple[str, str | None]:
    """(outcome, entry answered) for one question from the bot's replies to it."""
    answers = [m["kb_id"] for m in replies if m.get("kind") == "answer" and m.get("kb_id")]
    clarified = [b["payload"] for m in replies if m.get("kind") == "clarify" for b in m.get("buttons", [])]
    handed_off = any(m.get("kind") == "handoff" for m in replies)
    answered = answers[0] if answers else None
    if row["kind"] == "personal":
        return ("person" if handed_off else "wrong" if answered else "other"), answered
    if row["kind"] == "uncovered" or (row["kind"] == "unsupported" and not row["kb_id"]):
        return ("wrong" if answered else "person" if handed_off else "other"), answered
    if answered is not None:
        return ("direct" if answered == row["kb_id"] else "wrong"), answered
    if row["kb_id"] and any(f'"{row["kb_id"]}"' in payload for payload in clarified):
        return "one_tap", None
    return ("person" if handed_off else "other"), None


async def ask(client: httpx.AsyncClient, row: dict) -> list[dict]:
    created = (await client.post("/api/v1/conversations")).raise_for_status().json()
    headers = {"Authorization": f"Bearer {created['token']}"}
    response = await client.post(f"/api/v1/conversations/{created['id']}/messages", json={"text": row["text"]},
                                 headers=headers)
    response.raise_for_status()
    return [m for m in response.json()["messages"] if m["role"] != "person"]


async def run(gateway: str, rows: list[dict], topics: dict[str, str]) -> list[Rated]:
    queue, rated = list(rows), []
    async with httpx.AsyncClient(base_url=gateway, timeout=120) as client:
        async def worker() -> None:
            while queue:
                row = queue.pop()
                replies = await ask(client, row)
                outcome, answered = rate(row, replies)
                expected = row["language"] if row["language"] in SUPPORTED_LANGUAGES else UNSUPPORTED_FALLBACK
                languages = sorted({m["language"] for m in replies if m.get("language")})
                rated.append(Rated(row["text"], row["language"], row["kind"], row["kb_id"],
                                   topics.get(row["kb_id"] or ""), outcome, languages,
                                   languages == [expected], answered))
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return rated


def summarise(items: list[Rated]) -> dict:
    """Shares of the answerable questions, and the other kinds' outcomes."""
    answerable = [i for i in items if i.kind in ("answerable", "unsupported") and i.kb_id]
    count = Counter(i.outcome for i in answerable)
    n = len(answerable)

    def share(value: int, of: int) -> float | None:
        return round(value / of, 4) if of else None
    others = {kind: [i for i in items if i.kind == kind and (kind != "unsupported" or not i.kb_id)]
              for kind in ("uncovered", "personal")}
    return {
        "answerable": n, "direct": share(count["direct"], n), "one_tap": share(count["direct"] + count["one_tap"], n),
        "wrong": share(count["wrong"], n), "person": share(count["person"] + count["other"], n),
        "uncovered": len(others["uncovered"]),
        "uncovered_answered": share(sum(i.outcome == "wrong" for i in others["uncovered"]), len(others["uncovered"])),
        "personal": len(others["personal"]),
        "personal_to_person": share(sum(i.outcome == "person" for i in others["personal"]), len(others["personal"])),
        "language_ok": share(sum(i.language_ok for i in items), len(items)),
    }


def report(items: list[Rated]) -> dict:
    by: dict[str, dict[str, list[Rated]]] = {"language": defaultdict(list), "topic": defaultdict(list)}
    for item in items:
        by["language"][item.language].append(item)
        if item.topic:
            by["topic"][item.topic].append(item)
    return {"date": dt.date.today().isoformat(), "source": "eval/fresh_heldout.jsonl, eval/fresh_unsupported.jsonl",
            "all": summarise(items),
            "per_language": {k: summarise(v) for k, v in sorted(by["language"].items())},
            "per_topic": {k: summarise(v) for k, v in sorted(by["topic"].items())},
            "wrong_answers": [asdict(i) for i in items if i.outcome == "wrong"],
            "third_language": [asdict(i) for i in items if not i.language_ok]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.tools.chat_eval")
    parser.add_argument("--url", help="a running gateway; default: start the stack on free ports")
    parser.add_argument("--questions", type=Path, nargs="+", default=[FRESH, UNSUPPORTED])
    args = parser.parse_args(argv)
    rows = [row for path in args.questions for row in read_jsonl(path)]
    kb = load(KNOWLEDGE_BASE, SITE_FILE)
    topics: dict[str, str] = {entry.id: entry.topic for entry in kb.entries.values()}
    if args.url:
        items = asyncio.run(run(args.url, rows, topics))
    else:
        from bot.tools.devstack import Stack, StackConfig
        from bot.tools.local_env import UNLIMITED_RATES
        from bot.tools.rasa_model import ensure_model

        config = StackConfig.on_free_ports(extra_env={**UNLIMITED_RATES})
        with Stack(config) as stack:
            stack.prepare()
            stack.start(ensure_model())
            stack.wait_healthy()
            items = asyncio.run(run(config.gateway_url, rows, topics))
    result = report(items)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "chat_api.svg").write_text(svg_chart(result["per_language"]), encoding="utf-8")
    save_report(OUT, "chat_api", result, markdown(result))
    print(json.dumps(result["all"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
