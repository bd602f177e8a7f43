"""The retrieval index: every example question and every answer of every entry, embedded once.

Built by `python -m bot.knowledge build`. Incremental: embeddings are cached by a hash of
(embedder, text), so changing one entry embeds only its new questions. The index directory
holds `vectors.npy`, `rows.json` and `manifest.json` (content hash, embedder, counts); the
action server reloads when the manifest changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bot.knowledge.embedders import DEFAULT_EMBEDDER, get_embedder
from bot.knowledge.loader import KnowledgeBase


@dataclass(frozen=True)
class Row:
    entry_id: str
    language: str
    text: str
    kind: str  # "question" (an example question) or "answer" (the answer text, embedded as a passage)


def index_rows(kb: KnowledgeBase) -> list[Row]:
    questions = [Row(entry.id, lang, question.strip(), "question")
                 for entry in kb.entries.values()
                 for lang, texts in sorted(entry.questions.items())
                 for question in texts if question.strip()]
    answers = [Row(entry.id, lang, answer.strip(), "answer")
               for entry in kb.entries.values() for lang, answer in sorted(entry.answers.items())]
    return questions + answers


def content_hash(kb: KnowledgeBase, embedder: str) -> str:
    digest = hashlib.sha256(embedder.encode())
    for entry in sorted(kb.entries.values(), key=lambda e: e.id):
        digest.update(entry.model_dump_json().encode())
    return digest.hexdigest()[:16]


def _text_key(embedder: str, row: Row) -> str:
    return hashlib.sha256(f"{embedder}\x00{row.kind}\x00{row.text}".encode()).hexdigest()[:24]


def build_index(kb: KnowledgeBase, index_dir: Path, embedder_spec: str | None = None, batch_size: int = 32) -> dict:
    embedder_spec = embedder_spec or os.environ.get("KB_EMBEDDER", DEFAULT_EMBEDDER)
    index_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = index_dir / "manifest.json"
    wanted = content_hash(kb, embedder_spec)
    if manifest_path.exists():
        current = json.loads(manifest_path.read_text())
        if current["content_hash"] == wanted:
            print(f"index: up to date ({wanted}), nothing to embed")
            return {**current, "embedded_now": 0}

    embedder = get_embedder(embedder_spec)
    cache_path = index_dir / "embedding_cache.npz"
    cache: dict[str, np.ndarray] = dict(np.load(cache_path)) if cache_path.exists() else {}
    rows = index_rows(kb)
    keys = [_text_key(embedder.name, row) for row in rows]
    missing = sorted({(row.kind, key, row.text) for key, row in zip(keys, rows, strict=True) if key not in cache})
    with tqdm(total=len(missing), desc="embedding questions and answers", unit="text",
              disable=not missing or not sys.stderr.isatty()) as bar:
        for kind in ("question", "answer"):
            todo = [(key, text) for k, key, text in missing if k == kind]
            embed = embedder.embed if kind == "question" else embedder.embed_passages
            for start in range(0, len(todo), batch_size):
                batch = todo[start:start + batch_size]
                for (key, _), vector in zip(batch, embed([text for _, text in batch]), strict=True):
                    cache[key] = vector
                bar.update(len(batch))
    vectors = np.stack([cache[k] for k in keys]).astype(np.float32)
    np.savez(cache_path, **{k: cache[k] for k in set(keys)})  # type: ignore[arg-type]
    np.save(index_dir / "vectors.npy", vectors)
    (index_dir / "rows.json").write_text(json.dumps([row.__dict__ for row in rows], ensure_ascii=False))
    manifest = {"content_hash": wanted, "embedder": embedder_spec, "rows": len(rows),
                "entries": len(kb.entries), "embedded_now": len(missing)}
    # the manifest is written last: a reader that sees it sees a complete index
    tmp = manifest_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2))
    tmp.replace(manifest_path)
    print(f"index: {len(rows)} texts of {len(kb.entries)} entries, {len(missing)} newly embedded")
    return manifest


def embed_cached(texts: list[str], index_dir: Path, embedder_spec: str, batch_size: int = 32) -> np.ndarray:
    """Question vectors for `texts`, through the index's embedding cache (new texts are embedded and kept)."""
    embedder = get_embedder(embedder_spec)
    cache_path = index_dir / "question_cache.npz"
    cache: dict[str, np.ndarray] = dict(np.load(cache_path)) if cache_path.exists() else {}
    keys = [_text_key(embedder.name, Row("", "", text, "question")) for text in texts]
    missing = sorted({(key, text) for key, text in zip(keys, texts, strict=True) if key not in cache})
    with tqdm(total=len(missing), desc="embedding calibration questions", unit="text",
              disable=not missing or not sys.stderr.isatty()) as bar:
        for start in range(0, len(missing), batch_size):
            batch = missing[start:start + batch_size]
            for (key, _), vector in zip(batch, embedder.embed([text for _, text in batch]), strict=True):
                cache[key] = vector
            bar.update(len(batch))
    if missing:
        np.savez(cache_path, **cache)  # type: ignore[arg-type]
    return np.stack([cache[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, 0), np.float32)
