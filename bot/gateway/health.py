"""`GET /health`: 200 only when Rasa has a model loaded and the action server answers.
`GET /health/live`: 200 whenever this gateway process serves requests (a liveness probe: the gateway
still stores messages and opens tickets while Rasa is away, so an outage of Rasa must not restart it).

The body carries status words only ("ok" / "unavailable" per part, which channels are on), never
an exception text, a URL or a model path: anyone can call it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from bot.gateway.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/health/live")
async def alive() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health")
async def health(services: ServicesDep) -> JSONResponse:
    rasa = services.rasa
    checks: dict[str, str] = {}
    try:
        status = await rasa.status()
        checks["rasa"] = "ok" if status.get("model_file") or status.get("model_id") else "unavailable"
    except Exception:  # any failure means "not healthy"; what failed goes to the log, not to the caller
        checks["rasa"] = "unavailable"
    try:
        await rasa.action_server_health()
        checks["action_server"] = "ok"
    except Exception:
        checks["action_server"] = "unavailable"
    healthy = all(check == "ok" for check in checks.values())
    return JSONResponse({"status": "ok" if healthy else "unavailable", "checks": checks,
                         "channels": services.channels}, status_code=200 if healthy else 503)
