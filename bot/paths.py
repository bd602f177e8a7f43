"""Where things are: the checkout, its runtime data and its one build folder (stdlib only).

- `var/`: what the running stack keeps (databases, logs, local secrets); never committed.
- `build/`: everything generated from the sources (the Rasa model, the knowledge index and the
  retrieval classifier trained with it, test and tool outputs); never committed, safe to delete.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"
BUILD = ROOT / "build"
MODELS = BUILD / "models"
KB_INDEX = BUILD / "kb_index"
TEST_ARTIFACTS = BUILD / "test-artifacts"
SHARED_DATA = ROOT.parent / "shared" / "data"
