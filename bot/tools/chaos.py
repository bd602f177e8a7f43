"""`make chaos`: the stack under load while its processes are killed with SIGKILL, and what was lost.

10 web conversations write at once, each message with a client_message_id, repeated with the same id
when the request failed (as the widget does). Meanwhile the gateway, the Rasa server and the action
server are killed with SIGKILL in turn, and each is started again after a pause. Afterwards every
conversation's history is checked:
- every message that got a 2xx is stored exactly once and has an answer or a handoff (lost: 0);
- no message was answered twice (duplicated: 0);
- while Rasa or the action server was down, a message still got an apology and a ticket within seconds.
A writer starts a new conversation after a handoff and after every 5 messages, so that the bot (not staff)
is in charge of most conversations when Rasa or the action server dies. The figures go to
reports/chaos/chaos.json and into docs/benchmarks.md (`make bench` keeps them).
`--scaled`: the same against the scaled profile (scratch databases), killing one instance of each
kind while the other serves (reports/chaos/chaos-scaled.json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.paths import ROOT
from bot.tools.devstack import Stack, StackConfig
from bot.tools.local_env import UNLIMITED_RATES
from bot.tools.scaled_profile import ScaledProfile

OUT = ROOT / "reports" / "chaos"
SCRATCH = ScaledProfile.scratch("willkommen_chaos", redis_db=6)
TEXTS = ["Wie melde ich meine Wohnung an?", "Where can I learn German?", "Ich brauche einen Termin",
         "Was kostet ein Integrationskurs?", "Hallo", "Danke"]


@dataclass
class Sent:
    conversation: str
    token: str
    client_id: str
    text: str
    acknowledged: bool = False
    attempts: int = 0
    seconds: float = 0.0
    during: str | None = None  # which process was down when it was acknowledged
    kinds: list[str] = field(default_factory=list)


@dataclass
class Chaos:
    down: str | None = None  # the process that is dead right now
    events: list[dict[str, Any]] = field(default_factory=list)



async def writer(client: httpx.AsyncClient, number: int, until: float, sent: list[Sent], chaos: Chaos) -> None:
    conversation: dict[str, str] | None = None
    count = 0
    while time.monotonic() < until:
        if conversation is None:
            try:
                conversation = (await client.post("/api/v1/conversations")).raise_for_status().json()
            except (httpx.HTTPError, ValueError):
                await asyncio.sleep(0.5)
                continue
        count += 1
        item = Sent(conversation["id"], conversation["token"], f"c{number}-m{count}",
                    f"{TEXTS[count % len(TEXTS)]} ({number}.{count})")
        sent.append(item)
        started = time.monotonic()
        while not item.acknowledged and time.monotonic() < until + 60:  # repeat with the same id, as the widget
            item.attempts += 1
            try:
                response = await client.post(f"/api/v1/conversations/{item.conversation}/messages",
                                             json={"text": item.text, "client_message_id": item.client_id},
                                             headers={"Authorization": f"Bearer {conversation['token']}"})
                if response.status_code < 300:
                    item.acknowledged, item.during = True, chaos.down
                    item.kinds = [m["kind"] for m in response.json()["messages"]]
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
        item.seconds = time.monotonic() - started
        if "handoff" in item.kinds or count % 5 == 0:  # a new conversation: one with the bot in charge
            conversation = None
        await asyncio.sleep(0.3)


async def killer(stack: Stack, chaos: Chaos, order: list[str], pause: float, down_for: float) -> None:
    for name in order:
        await asyncio.sleep(pause)
        process = stack.processes[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        stack.processes.pop(name)
        chaos.down, killed = name, time.monotonic()
        await asyncio.sleep(down_for)
        stack.start_process(name)
        recovered = await asyncio.to_thread(healthy_again, stack)
        chaos.down = None
        chaos.events.append({"killed": name, "down_s": round(down_for, 1),
                             "healthy_after_restart_s": round(recovered - killed - down_for, 1)})


def healthy_again(stack: Stack) -> float:
    stack.wait_healthy(timeout=300)
    return time.monotonic()


def check(stack: Stack, sent: list[Sent]) -> dict[str, Any]:
    """Every acknowledged message stored once and answered once, read back from the histories."""
    lost, duplicated, unanswered, stored_twice = [], 0, [], 0
    by_conversation: dict[str, list[Sent]] = {}
    for item in sent:
        by_conversation.setdefault(item.conversation, []).append(item)
    with httpx.Client(base_url=stack.config.gateway_url, timeout=30) as client:
        for conversation_id, items in by_conversation.items():
            response = client.get(f"/api/v1/conversations/{conversation_id}/messages",
                                  headers={"Authorization": f"Bearer {items[0].token}"})
            history = list(response.raise_for_status().json()["messages"])
            person = Counter(m["text"] for m in history if m["role"] == "person")
            replies = Counter(m["reply_to"] for m in history if m["role"] != "person" and m["reply_to"])
            seq_of = {m["text"]: m["seq"] for m in history if m["role"] == "person"}
            for item in items:
                if not item.acknowledged:
                    continue
                if person[item.text] == 0:
                    lost.append(item.client_id)
                stored_twice += max(0, person[item.text] - 1)
                if item.text in seq_of and replies[seq_of[item.text]] == 0:
                    unanswered.append(item.client_id)
            said = Counter((m["role"], m["reply_to"], m["text"]) for m in history if m["role"] != "person")
            duplicated += sum(n - 1 for n in said.values() if n > 1)
    return {"lost": lost, "stored_twice": stored_twice, "unanswered": unanswered, "duplicated_replies": duplicated}


def summary(sent: list[Sent], chaos: Chaos, verdict: dict[str, Any]) -> dict[str, Any]:
    acknowledged = [s for s in sent if s.acknowledged]
    during = [s for s in acknowledged if s.during and s.during.split("-")[0] in ("rasa", "actions")]
    return {
        "sent": len(sent), "acknowledged": len(acknowledged), "never_acknowledged": len(sent) - len(acknowledged),
        "retried": sum(1 for s in sent if s.attempts > 1), "lost": len(verdict["lost"]),
        "stored_twice": verdict["stored_twice"], "unanswered": len(verdict["unanswered"]),
        "duplicated_replies": verdict["duplicated_replies"], "kills": chaos.events,
        "while_rasa_or_actions_down": {
            "acknowledged": len(during),
            "answered_with_a_handoff": sum(1 for s in during if "handoff" in s.kinds),
            "p95_seconds": round(statistics.quantiles([s.seconds for s in during], n=20)[-1], 2)
            if len(during) >= 2 else None},
    }


async def under_fire(stack: Stack, seconds: float, pause: float, down_for: float, victims: list[str],
                     writers: int = 10) -> dict[str, Any]:
    """`writers` conversations write for `seconds` while `victims` are killed in turn; the summary."""
    sent: list[Sent] = []
    chaos = Chaos()
    until = time.monotonic() + seconds
    async with httpx.AsyncClient(base_url=stack.config.gateway_url, timeout=30) as client:
        await asyncio.gather(*(writer(client, n, until, sent, chaos) for n in range(writers)),
                             killer(stack, chaos, victims, pause, down_for))
    stack.wait_healthy()
    return summary(sent, chaos, await asyncio.to_thread(check, stack, sent))


async def run(seconds: float, pause: float, down_for: float, scaled: ScaledProfile | None = None) -> dict[str, Any]:
    config = StackConfig.on_free_ports(scaled, extra_env=UNLIMITED_RATES,
                                       var_dir=ROOT / "build" / ("chaos-scaled" if scaled else "chaos"))
    victims = ["gateway-1", "rasa-1", "actions-1"] if scaled else ["gateway", "rasa", "actions"]
    if scaled:
        scaled.reset()
    with Stack(config) as stack:
        stack.start(stack.prepare())
        stack.wait_healthy()
        return await under_fire(stack, seconds, pause, down_for, victims)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.tools.chaos")
    parser.add_argument("--seconds", type=float, default=150.0, help="how long the 10 conversations write")
    parser.add_argument("--pause", type=float, default=20.0, help="seconds between a restart and the next kill")
    parser.add_argument("--down", type=float, default=10.0, help="seconds a killed process stays dead")
    parser.add_argument("--scaled", action="store_true",
                        help="the scaled profile on scratch databases; kills gateway-1, rasa-1, actions-1")
    args = parser.parse_args(argv)
    report = asyncio.run(run(args.seconds, args.pause, args.down, SCRATCH if args.scaled else None))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / ("chaos-scaled.json" if args.scaled else "chaos.json")).write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    failed = report["lost"] or report["stored_twice"] or report["unanswered"] or report["duplicated_replies"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
