"""`make bench-scale`: one process of each vs the scaled profile, at 10, 50 and 100 conversations at once.

Each profile is started on free ports with the demo content (the scaled one on scratch PostgreSQL
databases and Redis databases 10/11, emptied first), then the chat API gets conversations of 5
messages from the benchmark's mix at each level (`load.chat_load`: latency, throughput, errors and
lost messages read back from the histories). The resident memory of every process is sampled
during the load; the peak per process is reported. Writes reports/bench/scale.json; `make bench`
and this command put it into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from bot.paths import ROOT
from bot.tools.bench.load import chat_load, message_mix
from bot.tools.bench.memory import MemorySampler, rss_mb
from bot.tools.devstack import Stack, StackConfig
from bot.tools.local_env import UNLIMITED_RATES
from bot.tools.scaled_profile import ScaledProfile

LEVELS = {10: 40, 50: 100, 100: 200}  # at once -> conversations of 5 messages
QUICK_LEVELS = {10: 10, 50: 50, 100: 100}
OUT = ROOT / "reports" / "bench" / "scale.json"
PROFILE = ScaledProfile.scratch("willkommen_bench", redis_db=10)


def measure(scaled: bool, levels: dict[int, int]) -> dict:
    if scaled:
        PROFILE.reset()
    config = StackConfig.on_free_ports(PROFILE if scaled else None, extra_env=UNLIMITED_RATES,
                                       var_dir=ROOT / "build" / ("bench-scaled" if scaled else "bench-single"))
    result: dict = {"profile": "scaled" if scaled else "single", "levels": {}}
    with Stack(config) as stack:
        started = time.monotonic()
        stack.start(stack.prepare())
        stack.wait_healthy(timeout=900)
        result["start_to_healthy_s"] = round(time.monotonic() - started, 1)
        pids = {name: process.pid for name, process in stack.processes.items()}
        result["idle_rss_mb"] = {name: rss_mb(pid) for name, pid in pids.items()}
        pools = message_mix()
        for concurrency, conversations in levels.items():
            print(f"{result['profile']}: {concurrency} at once, {conversations} conversations", flush=True)
            with MemorySampler(pids) as memory:
                load = asyncio.run(chat_load(config.gateway_url, concurrency, conversations, pools))
            result["levels"][str(concurrency)] = {**load, "conversations": conversations,
                                                  "peak_rss_mb": memory.peak,
                                                  "peak_total_mb": round(sum(memory.peak.values()), 1)}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.tools.bench.scale")
    parser.add_argument("--quick", action="store_true", help="fewer conversations per level")
    args = parser.parse_args(argv)
    levels = QUICK_LEVELS if args.quick else LEVELS
    report: dict[str, Any] = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "levels": levels,
                              "single": measure(False, levels), "scaled": measure(True, levels)}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2))
    from bot.tools.bench.__main__ import render_docs

    render_docs()
    print(json.dumps({p: {lv: {k: row[k] for k in ("p50_ms", "p95_ms", "messages_per_second", "errors", "lost",
                                                   "peak_total_mb")}
                          for lv, row in report[p]["levels"].items()} for p in ("single", "scaled")}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
