"""The scaled profile's parts besides the processes: shared servers, databases and the nginx configuration.

`bot.tools.devstack` starts the processes (`run --scaled`); the same values are what deploy/
expresses for systemd, compose and Kubernetes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.paths import ROOT
from bot.tools.postgres_admin import drop_databases, ensure_database

if TYPE_CHECKING:
    from bot.tools.devstack import StackConfig

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "willkommen.conf.template"
SCALED_ENDPOINTS = ROOT / "deploy" / "rasa" / "endpoints.scaled.yml"


@dataclass
class ScaledProfile:
    """What the scaled profile needs besides the ports: the shared servers and how many of each process."""

    database_url: str = f"{LOCAL_POSTGRES}/willkommen"
    tracker_url: str = f"{LOCAL_POSTGRES}/willkommen_rasa"
    redis_url: str = "redis://127.0.0.1:6379/0"
    rasa_lock_db: int = 1
    replicas: int = 2

    @classmethod
    def from_env(cls) -> ScaledProfile:
        defaults = cls()
        return cls(database_url=os.environ.get("DATABASE_URL", defaults.database_url),
                   tracker_url=os.environ.get("RASA_TRACKER_URL", defaults.tracker_url),
                   redis_url=os.environ.get("REDIS_URL", defaults.redis_url),
                   rasa_lock_db=int(os.environ.get("RASA_LOCK_REDIS_DB", defaults.rasa_lock_db)),
                   replicas=int(os.environ.get("REPLICAS", defaults.replicas)))

    @classmethod
    def scratch(cls, name: str, redis_db: int) -> ScaledProfile:
        """A profile of its own for tests and measurements on this machine: databases `name` and
        `name`_rasa, Redis databases `redis_db` and the next one (`reset()` empties them)."""
        return cls(database_url=f"{LOCAL_POSTGRES}/{name}", tracker_url=f"{LOCAL_POSTGRES}/{name}_rasa",
                   redis_url=f"redis://127.0.0.1:6379/{redis_db}", rasa_lock_db=redis_db + 1)

    def env(self) -> dict[str, str]:
        tracker, redis = urlsplit(self.tracker_url), urlsplit(self.redis_url)
        return {"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
                "RASA_TRACKER_DIALECT": "postgresql", "RASA_TRACKER_URL": self.tracker_url,
                "RASA_TRACKER_HOST": tracker.hostname or "127.0.0.1", "RASA_TRACKER_PORT": str(tracker.port or 5432),
                "RASA_TRACKER_DB": tracker.path.lstrip("/"), "RASA_TRACKER_USER": tracker.username or "",
                "RASA_TRACKER_PASSWORD": tracker.password or "",
                "RASA_LOCK_REDIS_HOST": redis.hostname or "127.0.0.1", "RASA_LOCK_REDIS_PORT": str(redis.port or 6379),
                "RASA_LOCK_REDIS_DB": str(self.rasa_lock_db), "RASA_LOCK_REDIS_PASSWORD": redis.password or ""}

    def reset(self) -> None:
        """Empty start for tests and benchmarks: both PostgreSQL databases dropped, both Redis databases
        flushed. Never used on the default profile's own databases."""
        import redis

        drop_databases(self.database_url, self.tracker_url)
        gateway = redis.Redis.from_url(self.redis_url)
        gateway.flushdb()
        redis.Redis(host=gateway.connection_pool.connection_kwargs.get("host", "127.0.0.1"),
                    port=gateway.connection_pool.connection_kwargs.get("port", 6379), db=self.rasa_lock_db,
                    password=gateway.connection_pool.connection_kwargs.get("password")).flushdb()

    def create_databases(self) -> None:
        for url in (self.database_url, self.tracker_url):
            if not url.startswith("postgresql+psycopg://"):
                raise SystemExit(f"the scaled profile needs PostgreSQL (postgresql+psycopg://…): {url.split(':')[0]}")
            ensure_database(url)


def nginx_config(config: StackConfig, var: Path, log_dir: Path) -> str:
    """deploy/nginx/willkommen.conf.template for this stack's ports and directories."""

    def servers(public: int) -> str:
        return "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;"
                         for port in config.replica_ports(public))

    text = NGINX_TEMPLATE.read_text(encoding="utf-8")
    for key, value in {"var": str(var), "log": str(log_dir), "host": config.host, "port": str(config.port),
                       "rasa_port": str(config.rasa_port), "action_port": str(config.action_port),
                       "gateway_servers": servers(config.port), "rasa_servers": servers(config.rasa_port),
                       "action_servers": servers(config.action_port)}.items():
        text = text.replace("{" + key + "}", value)
    return text
