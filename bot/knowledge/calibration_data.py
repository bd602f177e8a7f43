"""The questions retrieval is calibrated and tested on, and the fingerprint of the calibration part.

- eval/kb_dev.jsonl: paraphrases written for this purpose (never the entries' own examples),
  with the entry that answers them, plus "uncovered" questions from the same world that no
  entry answers (the right outcome is a person, not an answer);
- out-of-scope negatives: CLINC150 `oos_val` (English) and the xSID validation sets in 13
  languages, from ../shared/data (licences in that folder's README);
- real questions: OMoS-QA (questions newcomers asked about Integreat pages of three German
  districts; de and en original, fr, ar and uk translated), each labelled with the entries that
  would answer it correctly, or none (eval/omos_{train,dev}_labels.jsonl).

Each query belongs to the calibration half or the report half: the dev set and the out-of-scope
data split by a hash of the text, OMoS-QA by its own train / dev split. The classifier is
trained on the calibration half (and the index); its fingerprint ties it to the thresholds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.classifier import MODEL
from bot.paths import ROOT, SHARED_DATA

EVAL = ROOT / "eval"
OUT_OF_SCOPE_SOURCES = ("clinc150", "xsid")
OMOS_LANGUAGES = ("de", "en", "fr", "ar", "uk")
OMOS_HALF = {"train": "calibrate", "dev": "report"}  # OMoS-QA split -> its role here


class CalibrationDataMissing(Exception):
    """../shared/data (CLINC150, xSID, OMoS-QA) is not there."""


@dataclass(frozen=True)
class Query:
    text: str
    language: str
    acceptable: frozenset[str]  # entry ids that answer it; empty: no entry should answer it
    source: str  # paraphrase | uncovered | clinc150 | xsid | omos
    half: str  # calibrate | report
    group: str = ""  # queries that must share a cross-fitting fold (the translations of one question)

    @property
    def out_of_scope(self) -> bool:
        return self.source in OUT_OF_SCOPE_SOURCES

    @property
    def fold_group(self) -> str:
        """Written paraphrases of one entry share a fold, so the classifier is tested on unseen entries' wording."""
        if self.group:
            return self.group
        return f"entry-{min(self.acceptable)}" if self.acceptable else self.text


def half_of(text: str) -> str:
    return "calibrate" if hashlib.sha256(text.encode()).digest()[0] % 2 == 0 else "report"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def require_shared(shared: Path) -> None:
    if not (shared / "omos-qa").is_dir() or not (shared / "xsid").is_dir() or not (shared / "clinc150").is_dir():
        raise CalibrationDataMissing(f"{shared} lacks clinc150/, xsid/ or omos-qa/")


def load_queries(dev_file: Path = EVAL / "kb_dev.jsonl", shared: Path = SHARED_DATA) -> list[Query]:
    """The written dev set and the out-of-scope negatives, both halves."""
    require_shared(shared)
    nobody: frozenset[str] = frozenset()
    queries = [Query(row["text"], row["language"], frozenset([row["kb_id"]]) if row["kb_id"] else nobody,
                     row["kind"], half_of(row["text"]))
               for row in read_jsonl(dev_file)]
    queries += [Query(row["text"], "en", nobody, "clinc150", half_of(row["text"]))
                for row in read_jsonl(shared / "clinc150" / "oos_val.jsonl")]
    for path in sorted((shared / "xsid").glob("*.valid.jsonl")):
        language = path.name.split(".")[0]
        queries += [Query(row["text"], language, nobody, "xsid", half_of(row["text"])) for row in read_jsonl(path)]
    return queries


def load_real_questions(split: str, labels_dir: Path = EVAL, shared: Path = SHARED_DATA) -> list[Query]:
    """OMoS-QA questions of one split in five languages (line-parallel files), with the labels of line i."""
    require_shared(shared)
    labels_file = labels_dir / f"omos_{split}_labels.jsonl"
    labels = read_jsonl(labels_file)
    queries = []
    for language in OMOS_LANGUAGES:
        rows = read_jsonl(shared / "omos-qa" / language / f"{split}.jsonl")
        if len(rows) != len(labels):
            raise ValueError(f"{labels_file.name} labels {len(labels)} questions, omos-qa/{language} has {len(rows)}")
        queries += [Query(row["question"], language, frozenset(label["acceptable"]), "omos", OMOS_HALF[split],
                          f"omos-{split}-{label['line']}")
                    for row, label in zip(rows, labels, strict=True)]
    return queries


def load_fresh(path: Path = EVAL / "fresh_heldout.jsonl") -> list[Query]:
    """The fresh held-out questions (answerable and uncovered; personal cases go to a person, which the
    chat-API evaluation measures), written without seeing the example questions, never tuned on."""
    return [Query(row["text"], row["language"], frozenset([row["kb_id"]]) if row["kind"] == "answerable"
                  else frozenset(), "paraphrase" if row["kind"] == "answerable" else "uncovered", "report",
                  f"fresh-{n}")
            for n, row in enumerate(read_jsonl(path)) if row["kind"] in ("answerable", "uncovered")]


def calibration_queries(shared: Path = SHARED_DATA) -> list[Query]:
    """What the classifier is trained on and the thresholds are chosen on."""
    return [q for q in load_queries(shared=shared) if q.half == "calibrate"] + load_real_questions("train",
                                                                                                     shared=shared)


def fingerprint(queries: list[Query], entry_ids: list[str]) -> str:
    """Changes when the calibration questions, their labels, the set of entries or the classifier's model change."""
    digest = hashlib.sha256("\x00".join([MODEL, *entry_ids]).encode())
    for q in queries:
        digest.update(json.dumps([q.text, q.language, sorted(q.acceptable), q.source, q.fold_group]).encode())
    return digest.hexdigest()[:16]
