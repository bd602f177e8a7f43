"""`python -m bot.knowledge check|build`: validate the content; build the retrieval index and classifier."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.knowledge.calibration_data import CalibrationDataMissing, calibration_queries, fingerprint
from bot.knowledge.decision import CALIBRATED
from bot.knowledge.loader import check
from bot.paths import KB_INDEX, KNOWLEDGE_BASE, SHARED_DATA, SITE_FILE


def calibration_warning(entry_ids: list[str], shared: Path) -> str | None:
    """A warning when the thresholds were chosen for other entries or other calibration questions."""
    try:
        wanted = fingerprint(calibration_queries(shared), sorted(entry_ids))
    except CalibrationDataMissing:
        return None
    if wanted == CALIBRATED.classifier_data:
        return None
    return (f"the calibrated thresholds were chosen for other entries or calibration questions "
            f"({CALIBRATED.classifier_data}, now {wanted}): retrieval decides by the scores alone until "
            "`make eval-kb ARGS=--calibrate` proposes new ones and bot/knowledge/decision.py adopts them")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.knowledge")
    parser.add_argument("command", choices=["check", "build"])
    parser.add_argument("--root", type=Path, default=KNOWLEDGE_BASE)
    parser.add_argument("--site", type=Path, default=SITE_FILE)
    parser.add_argument("--index-dir", type=Path, default=KB_INDEX)
    parser.add_argument("--shared", type=Path, default=SHARED_DATA, help="CLINC150, xSID and OMoS-QA")
    args = parser.parse_args(argv)

    kb, report = check(args.root, args.site)
    if kb is not None and (warning := calibration_warning(list(kb.entries), args.shared)):
        report.warnings.append(warning)
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
        from bot.knowledge.classifier_build import build_classifier
        from bot.knowledge.index import build_index

        build_index(kb, args.index_dir)
        print(build_classifier(args.index_dir, args.shared))
    return 0


if __name__ == "__main__":
    sys.exit(main())
