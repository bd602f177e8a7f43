"""`GET /health`: 200 only when Rasa has a model loaded and the action server answers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from bot.deps import RasaDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(rasa: RasaDep) -> JSONResponse:
    checks: dict[str, dict] = {}
    try:
        status = await rasa.status()
        model = status.get("model_file") or status.get("model_id")
        checks["rasa"] = {"ok": bool(model), "model": model}
    except Exception as exc:  # any failure means "not healthy", with the reason shown
        checks["rasa"] = {"ok": False, "error": repr(exc)}
    try:
        checks["action_server"] = {"ok": True, **(await rasa.action_server_health())}
    except Exception as exc:
        checks["action_server"] = {"ok": False, "error": repr(exc)}
    healthy = all(check["ok"] for check in checks.values())
    return JSONResponse({"status": "ok" if healthy else "unavailable", "checks": checks},
                        status_code=200 if healthy else 503)
