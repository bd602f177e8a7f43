"""`GET /health`: 200 only when Rasa has a model loaded and the action server answers.

The body says which part is down, never how: exception texts can carry URLs with tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from bot.gateway.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(services: ServicesDep) -> JSONResponse:
    rasa = services.rasa
    checks: dict[str, dict[str, Any]] = {}
    try:
        status = await rasa.status()
        model = status.get("model_file") or status.get("model_id")
        checks["rasa"] = {"ok": bool(model), "model": model}
    except Exception as exc:  # any failure means "not healthy"
        checks["rasa"] = {"ok": False, "error": type(exc).__name__}
    try:
        checks["action_server"] = {"ok": True, **(await rasa.action_server_health())}
    except Exception as exc:
        checks["action_server"] = {"ok": False, "error": type(exc).__name__}
    healthy = all(check["ok"] for check in checks.values())
    return JSONResponse({"status": "ok" if healthy else "unavailable", "checks": checks,
                         "channels": services.channels}, status_code=200 if healthy else 503)
