"""`python -m bot.knowledge check|build`: validate the content, build the retrieval index."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.knowledge.classifier import EntryClassifier
from bot.knowledge.loader import check

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.knowledge")
    parser.add_argument("command", choices=["check", "build"])
    parser.add_argument("--root", type=Path, default=ROOT / "knowledge_base")
    parser.add_argument("--site", type=Path, default=ROOT / "knowledge_base" / "site" / "musterstadt.yml")
    args = parser.parse_args(argv)

    kb, report = check(args.root, args.site)
    classifier = EntryClassifier.load()
    if kb is not None and classifier is not None and classifier.entry_ids != sorted(kb.entries):
        report.warnings.append("bot/knowledge/classifier.npz was trained for other entries: retrieval decides by "
                               "the scores alone until `make eval-kb ARGS=--calibrate` trains it again")
    for warning in report.warnings:
        print(f"warning: {warning}")
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    if kb is None:
        print(f"knowledge base: {len(report.errors)} error(s)", file=sys.stderr)
        return 1
    print(f"knowledge base: {len(kb.entries)} entries, {len(kb.site.contacts)} contacts, "
          f"{len(report.warnings)} warning(s), 0 errors")
    if args.command == "build":
        from bot.knowledge.index import build_index

        build_index(kb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
