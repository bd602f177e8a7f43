"""`GET /static/widget/widget.js`: the widget as the one script a city's page embeds, joined from its parts.

The embed is one script tag, so the browser gets one file. Its source lives in small parts
(`widget_src/NN_*.js`, in name order; the first opens the function scope they share and the last
closes it). The joined script is kept in memory until a part changes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import Response

PARTS = Path(__file__).with_name("widget_src")
CACHE_CONTROL = "public, max-age=300"

router = APIRouter(include_in_schema=False)


def parts() -> list[Path]:
    return sorted(PARTS.glob("*.js"))


@lru_cache(maxsize=4)
def _joined(stamp: tuple[tuple[str, int], ...]) -> bytes:
    return "\n".join(PARTS.joinpath(name).read_text(encoding="utf-8") for name, _ in stamp).encode("utf-8")


def widget_script() -> bytes:
    return _joined(tuple((p.name, p.stat().st_mtime_ns) for p in parts()))


@router.get("/static/widget/widget.js")
async def widget_js() -> Response:
    return Response(widget_script(), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": CACHE_CONTROL})
