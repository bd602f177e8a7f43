"""Writing a measured result for machines (JSON) and people (Markdown), side by side."""

from __future__ import annotations

import json
from pathlib import Path


def save_report(folder: Path, name: str, data: dict, markdown: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    (folder / f"{name}.md").write_text(markdown, encoding="utf-8")
    print(markdown)
