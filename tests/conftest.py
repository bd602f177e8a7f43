from __future__ import annotations

import pytest

# the gateway app on a real database, one transaction per test (fixtures `app`, `client`, ...)
pytest_plugins = ["tests.support.app"]


def pytest_collection_finish(session: pytest.Session) -> None:
    # "no tests collected" must never look like success (pytest would exit 5; this says why)
    if not session.items and not session.config.option.collectonly:
        raise pytest.UsageError("no tests were collected: check testpaths and file names")
