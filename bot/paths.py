"""Where things are: the checkout, its runtime data and its one build folder (stdlib only).

- `var/`: what the running stack keeps (databases, logs, local secrets); never committed.
- `build/`: everything generated from the sources (the Rasa model, the knowledge index and the
  retrieval classifier trained with it, test and tool outputs); never committed, safe to delete.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"
BUILD = ROOT / "build"
MODELS = BUILD / "models"
KNOWLEDGE_BASE = ROOT / "knowledge_base"  # the curated entries
SITE_FILE = KNOWLEDGE_BASE / "site" / "musterstadt.yml"  # the city's offices, partners and settings
KB_INDEX = Path(os.environ.get("KB_INDEX_DIR", BUILD / "kb_index"))
TEST_ARTIFACTS = BUILD / "test-artifacts"
# CLINC150, xSID, OMoS-QA: retrieval's calibration and evaluation data (see its README)
SHARED_DATA = Path(os.environ.get("SHARED_DATA", ROOT.parent / "shared" / "data"))
