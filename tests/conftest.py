from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_finish(session: pytest.Session) -> None:
    # "no tests collected" must never look like success (pytest would exit 5; this says why)
    if not session.items and not session.config.option.collectonly:
        raise pytest.UsageError("no tests were collected: check testpaths and file names")
