"""Load generators: simulated conversations through the chat API, and the same texts on bare Rasa."""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field

import httpx
import numpy as np
import yaml

from bot.languages import SUPPORTED_LANGUAGES
from bot.paths import ROOT

MIX = {"question": 0.60, "smalltalk": 0.25, "handoff": 0.10, "out_of_scope": 0.05}
MESSAGES_PER_CONVERSATION = 5


def _nlu_examples(language: str, file: str) -> list[str]:
    path = ROOT / "data" / "nlu" / language / file
    blocks = yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]
    return [line.strip()[2:] for block in blocks for line in block["examples"].splitlines()
            if line.strip().startswith("- ")]


def message_mix(seed: int = 7) -> dict[str, list[str]]:
    """Realistic texts in the supported languages: questions (the dev set's paraphrases), small talk,
    requests for a person and off-topic messages (the NLU data)."""
    questions = [json.loads(line)["text"] for line in (ROOT / "eval" / "kb_dev.jsonl").read_text().splitlines()
                 if line.strip() and json.loads(line)["kb_id"]]
    pools = {"question": questions, "smalltalk": [], "handoff": [], "out_of_scope": []}
    for language in SUPPORTED_LANGUAGES:
        pools["smalltalk"] += _nlu_examples(language, "smalltalk.yml")
        pools["handoff"] += _nlu_examples(language, "handoff.yml")
        pools["out_of_scope"] += _nlu_examples(language, "out_of_scope.yml")
    rng = random.Random(seed)
    for pool in pools.values():
        rng.shuffle(pool)
    return pools


def script(pools: dict[str, list[str]], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
    return [rng.choice(pools[kind]) for kind in kinds]


def summary(latencies: list[float], seconds: float, errors: int) -> dict:
    values = np.array(latencies) * 1000 if latencies else np.array([0.0])
    return {"messages": len(latencies), "errors": errors, "seconds": round(seconds, 2),
            "messages_per_second": round(len(latencies) / seconds, 2) if seconds else 0.0,
            "p50_ms": round(float(np.percentile(values, 50)), 1), "p95_ms": round(float(np.percentile(values, 95)), 1),
            "p99_ms": round(float(np.percentile(values, 99)), 1), "mean_ms": round(float(values.mean()), 1)}


@dataclass
class ChatResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    accepted: dict[str, list[str]] = field(default_factory=dict)  # conversation id -> texts acknowledged
    tokens: dict[str, str] = field(default_factory=dict)


async def chat_load(gateway: str, concurrency: int, conversations: int, pools: dict[str, list[str]]) -> dict:
    """`conversations` conversations of 5 messages each, `concurrency` of them at a time."""
    result = ChatResult()
    pending = list(range(conversations))
    limits = httpx.Limits(max_connections=concurrency + 5, max_keepalive_connections=concurrency + 5)
    async with httpx.AsyncClient(base_url=gateway, timeout=60, limits=limits) as client:

        async def worker() -> None:
            while pending:
                number = pending.pop()
                try:
                    created = await client.post("/api/v1/conversations")
                except httpx.HTTPError:
                    created = None
                if created is None or created.status_code != 201:
                    result.errors += 1
                    continue
                conversation_id, token = created.json()["id"], created.json()["token"]
                result.tokens[conversation_id], result.accepted[conversation_id] = token, []
                for text in script(pools, MESSAGES_PER_CONVERSATION, seed=number):
                    started = time.perf_counter()
                    try:
                        response = await client.post(f"/api/v1/conversations/{conversation_id}/messages",
                                                     json={"text": text}, headers={"Authorization": f"Bearer {token}"})
                        ok = response.status_code == 200 and bool(response.json()["messages"])
                    except httpx.HTTPError:
                        ok = False
                    result.latencies.append(time.perf_counter() - started)
                    if ok:
                        result.accepted[conversation_id].append(text.strip())
                    else:
                        result.errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
        lost = await lost_messages(client, result)
    return {**summary(result.latencies, seconds, result.errors), "lost": lost, "concurrency": concurrency}


async def lost_messages(client: httpx.AsyncClient, result: ChatResult) -> int:
    """Acknowledged messages that are not stored exactly once, in the order they were sent."""
    lost = 0
    for conversation_id, texts in result.accepted.items():
        history = await client.get(f"/api/v1/conversations/{conversation_id}/messages",
                                   headers={"Authorization": f"Bearer {result.tokens[conversation_id]}"})
        stored = [m["text"] for m in history.json()["messages"] if m["role"] == "person"]
        seqs = [m["seq"] for m in history.json()["messages"]]
        in_order = seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        lost += sum(1 for a, b in zip(texts, stored, strict=False) if a != b) + abs(len(texts) - len(stored))
        lost += 0 if in_order else 1
    return lost


async def rasa_load(rasa: str, concurrency: int, texts: list[str], *, parse_token: str | None = None,
                    channel_token: str | None = None) -> dict:
    """The same texts on bare Rasa: `/model/parse` (NLU only) or the channel webhook (NLU, policies
    and custom actions, without the gateway)."""
    queue = list(enumerate(texts))
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency + 5, max_keepalive_connections=concurrency + 5)
    async with httpx.AsyncClient(base_url=rasa, timeout=60, limits=limits) as client:

        async def worker(worker_id: int) -> None:
            nonlocal errors
            while queue:
                number, text = queue.pop()
                started = time.perf_counter()
                try:
                    if parse_token is not None:
                        response = await client.post("/model/parse", params={"token": parse_token}, json={"text": text})
                    else:
                        response = await client.post(
                            "/webhooks/gateway/webhook", headers={"Authorization": f"Bearer {channel_token}"},
                            json={"sender": f"bench-{worker_id}-{number // MESSAGES_PER_CONVERSATION}",
                                  "message": text})
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += 0 if ok else 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        seconds = time.perf_counter() - started
    return {**summary(latencies, seconds, errors), "concurrency": concurrency}
