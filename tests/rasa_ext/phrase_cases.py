"""Written cases of a phrase list: one file per language, `positive` ({category, text}) and `negative` ({text})."""

from pathlib import Path

import yaml


def phrase_cases(folder: Path, kind: str) -> list[tuple[str, dict]]:
    """(language, case) for every case of `kind` in every language's file."""
    return [(path.stem, case) for path in sorted(folder.glob("*.yml"))
            for case in yaml.safe_load(path.read_text(encoding="utf-8"))[kind]]
