"""Start the whole stack on one machine: `python -m bot.tools.devstack run` (what `make run` calls).

Steps: migrate the database, validate and index the knowledge base, train the Rasa model if its
inputs changed (cached by content hash), start the action server, Rasa and the gateway, wait
until `/health` answers 200, print the addresses; Ctrl-C stops every process it started.
The same functions start the stack for the end-to-end tests.

`run --scaled` (`make run-scaled`) starts the scaled profile instead: PostgreSQL for the gateway and
Rasa's tracker store, Redis for locks, live events and rate limits, two gateway workers, two Rasa
servers and two action servers, with nginx (Debian's package) in front of each kind on the usual
ports (deploy/nginx/willkommen.conf.template). The workers listen on the next ports up.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.paths import KB_INDEX, ROOT, VAR
from bot.settings import PLACEHOLDER
from bot.tools.local_env import free_port, load_or_create_secrets, owner_only, read_env_file
from bot.tools.rasa_model import RASA_PYTHON, ensure_model, log, model_hash, rasa_env, single_threaded_embeddings
from bot.tools.scaled_profile import SCALED_ENDPOINTS, ScaledProfile, nginx_config

APP_PYTHON = ROOT / ".venv" / "bin" / "python"


@dataclass
class StackConfig:
    port: int = 8000
    rasa_port: int = 5005
    action_port: int = 5055
    host: str = "127.0.0.1"
    var_dir: Path = VAR
    extra_env: dict[str, str] = field(default_factory=dict)
    scaled: ScaledProfile | None = None  # None: one process of each, SQLite, no proxy

    @classmethod
    def from_env(cls, scaled: bool = False) -> StackConfig:
        return cls(port=int(os.environ.get("PORT", 8000)), rasa_port=int(os.environ.get("RASA_PORT", 5005)),
                   action_port=int(os.environ.get("ACTION_SERVER_PORT", 5055)),
                   host=os.environ.get("HOST", "127.0.0.1"), scaled=ScaledProfile.from_env() if scaled else None)

    @classmethod
    def on_free_ports(cls, scaled: ScaledProfile | None = None, **options: Any) -> StackConfig:
        """A stack for tests and measurements. The scaled profile's instances listen on the ports above
        each proxy port, so its three proxy ports are spaced out in one block of ten."""
        if scaled is None:
            return cls(port=free_port(), rasa_port=free_port(), action_port=free_port(), **options)
        base = free_port() // 10 * 10
        return cls(port=base, rasa_port=base + 4, action_port=base + 7, scaled=scaled, **options)

    def replica_ports(self, public: int) -> list[int]:
        """Where the instances behind the proxy's `public` port listen (the next ports up)."""
        return [public + i for i in range(1, (self.scaled.replicas if self.scaled else 0) + 1)]

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Stack:
    """The processes; a context manager that always stops what it started."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._commands: dict[str, tuple[list[str], dict[str, str]]] = {}
        self.log_dir = config.var_dir / "log"

    def env(self) -> dict[str, str]:
        c = self.config
        # precedence: the environment, then .env, then the generated local secrets
        generated = load_or_create_secrets(c.var_dir / "secrets.env")
        env = {**generated, **read_env_file(ROOT / ".env"), **os.environ}
        for key, value in generated.items():  # placeholders copied from .env.example are never used
            if PLACEHOLDER in env.get(key, ""):
                env[key] = value
        env.update({
            "RASA_URL": f"http://127.0.0.1:{c.rasa_port}",
            "ACTION_SERVER_URL": f"http://127.0.0.1:{c.action_port}",
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{c.action_port}/webhook",
            "RASA_TRACKER_DIALECT": env.get("RASA_TRACKER_DIALECT", "sqlite"),
            "RASA_TRACKER_DB": env.get("RASA_TRACKER_DB", str(c.var_dir / "rasa_tracker.db")),
            "DATABASE_URL": env.get("DATABASE_URL",
                                                      f"sqlite+aiosqlite:///{c.var_dir / 'willkommen.db'}"),
            "KB_INDEX_DIR": env.get("KB_INDEX_DIR", str(KB_INDEX)),
            "PYTHONPATH": str(ROOT),
            "SANIC_HOST": "127.0.0.1",
            **(c.scaled.env() if c.scaled else {}),
            **c.extra_env,
        })
        return env

    def prepare(self) -> Path:
        owner_only(self.config.var_dir)
        if self.config.scaled:
            self.config.scaled.create_databases()
        env = self.env()
        self._run_tool("migrating the database", [str(APP_PYTHON), "-m", "alembic", "upgrade", "head"], env)
        self._run_tool("creating the demo staff account",
                       [str(APP_PYTHON), "-m", "bot.inbox", "ensure-demo", "--var-dir", str(self.config.var_dir)],
                       env, quiet=True)
        self._run_tool("checking and indexing the knowledge base",
                       [str(APP_PYTHON), "-m", "bot.knowledge", "build"], env)
        return ensure_model()

    def _run_tool(self, what: str, command: list[str], env: dict[str, str], quiet: bool = False) -> None:
        log(what)
        subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL if quiet else None)

    def demo_staff_password(self) -> str:
        return (self.config.var_dir / "demo-staff-password").read_text().strip()

    def start(self, model: Path) -> None:
        c = self.config
        owner_only(c.var_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = self.env()
        if c.scaled:
            self._start_scaled(model, env)
            return
        self._spawn_actions("actions", c.action_port, env)
        self._spawn_rasa("rasa", c.rasa_port, model, "endpoints.yml", env)
        self._spawn_gateway("gateway", c.host, c.port, env)

    def _start_scaled(self, model: Path, env: dict[str, str]) -> None:
        """Every instance on its own port, then nginx in front. Rasa instances start one after the other:
        each creates the tracker store's tables if they are missing, and two at once would race."""
        c = self.config
        for i, port in enumerate(c.replica_ports(c.action_port), 1):
            self._spawn_actions(f"actions-{i}", port, env)
        for i, port in enumerate(c.replica_ports(c.rasa_port), 1):
            self._spawn_rasa(f"rasa-{i}", port, model, str(SCALED_ENDPOINTS), env)
            if i == 1:
                self._wait_until_answered([f"http://127.0.0.1:{port}/version"], timeout=600, what=f"rasa-{i}")
        for i, port in enumerate(c.replica_ports(c.port), 1):
            self._spawn_gateway(f"gateway-{i}", "127.0.0.1", port, env)
        nginx_dir = c.var_dir / "nginx"
        nginx_dir.mkdir(parents=True, exist_ok=True)
        conf = nginx_dir / "nginx.conf"
        conf.write_text(nginx_config(c, nginx_dir, self.log_dir), encoding="utf-8")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self._spawn("nginx", [nginx, "-p", str(nginx_dir), "-c", str(conf), "-e", str(self.log_dir / "nginx-error.log"),
                              "-g", "daemon off;"], dict(os.environ))

    def _spawn_actions(self, name: str, port: int, env: dict[str, str]) -> None:
        self._spawn(name, [str(APP_PYTHON), "-m", "actions", "--port", str(port)],
                    single_threaded_embeddings(dict(env)))

    def _spawn_rasa(self, name: str, port: int, model: Path, endpoints: str, env: dict[str, str]) -> None:
        # the API token reaches Rasa through its environment, never its command line (bot/rasa_ext/serve.py)
        self._spawn(name, [str(RASA_PYTHON), "-m", "bot.rasa_ext.serve", "--enable-api",
                           "--interface", "127.0.0.1", "--port", str(port), "--model", str(model),
                           "--endpoints", endpoints, "--credentials", "credentials.yml"], rasa_env(env))

    def _spawn_gateway(self, name: str, host: str, port: int, env: dict[str, str]) -> None:
        # behind the proxy the person's address comes from X-Forwarded-For (uvicorn trusts 127.0.0.1)
        self._spawn(name, [str(APP_PYTHON), "-m", "uvicorn", "bot.gateway.app:create_app", "--factory",
                           "--host", host, "--port", str(port), "--no-access-log", "--proxy-headers",
                           "--forwarded-allow-ips", "127.0.0.1"], env)

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self._commands[name] = (command, env)
        with (self.log_dir / f"{name}.log").open("ab") as logfile:  # the child keeps its own descriptor
            self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=logfile,
                                                    stderr=subprocess.STDOUT, start_new_session=True)
        log(f"started {name} (pid {self.processes[name].pid}, log {self.log_dir / f'{name}.log'})")

    def wait_healthy(self, timeout: float = 600) -> dict:
        return self._wait_until_answered(self.health_urls(), timeout, what="the stack")

    def _wait_until_answered(self, urls: list[str], timeout: float, what: str) -> dict:
        """Until every URL answers 200 (the first one's JSON); fails at once when a process died."""
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {process.returncode}; see {self.log_dir}/{name}.log")
            try:
                answers = [httpx.get(url, timeout=5) for url in urls]
                if all(response.status_code == 200 for response in answers):
                    return dict(answers[0].json())
                last = [response.json() for response in answers]
            except (httpx.HTTPError, ValueError) as exc:
                last = exc
            time.sleep(1)
        raise TimeoutError(f"{what} did not become healthy in {timeout:.0f} s; last answer: {last}")

    def health_urls(self) -> list[str]:
        """What must answer 200 before the stack counts as up: the gateway's /health (which asks Rasa and
        the action server), and in the scaled profile every instance of each kind as well."""
        c = self.config
        return [f"{url}/health" for url in self.gateway_urls()] + \
            [f"http://127.0.0.1:{port}/version" for port in c.replica_ports(c.rasa_port)] + \
            [f"http://127.0.0.1:{port}/health" for port in c.replica_ports(c.action_port)]

    def gateway_urls(self) -> list[str]:
        """The public address, and in the scaled profile each gateway worker's own."""
        workers = [f"http://127.0.0.1:{port}" for port in self.config.replica_ports(self.config.port)]
        return [self.config.gateway_url, *workers]

    def stop_process(self, name: str) -> None:
        process = self.processes.pop(name)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def start_process(self, name: str) -> None:
        """Start a stopped process again with the command it had."""
        self._spawn(name, *self._commands[name])

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop_process(name)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def run(scaled: bool = False) -> int:
    config = StackConfig.from_env(scaled)
    started = time.monotonic()
    with Stack(config) as stack:
        model = stack.prepare()
        stack.start(model)

        def _stop(signum: int, _frame: object) -> None:
            raise KeyboardInterrupt

        # explicit handlers: a shell that starts us in the background ignores SIGINT otherwise
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        try:
            stack.wait_healthy()
            log(f"healthy after {time.monotonic() - started:.1f} s")
            if config.scaled:
                log(f"scaled profile: nginx in front of {config.scaled.replicas} gateway workers, Rasa servers "
                    f"and action servers; PostgreSQL {config.scaled.database_url.rsplit('@', 1)[-1]}, "
                    f"Redis {config.scaled.redis_url}")
            log(f"demo page:   http://{config.host}:{config.port}/")
            log(f"chat API:    http://{config.host}:{config.port}/api/v1/conversations")
            log(f"health:      http://{config.host}:{config.port}/health")
            log(f"staff inbox: http://{config.host}:{config.port}/inbox/  "
                f"(demo account: demo / {stack.demo_staff_password()})")
            log("press Ctrl-C to stop")
            while all(p.poll() is None for p in stack.processes.values()):
                time.sleep(1)
            dead = [n for n, p in stack.processes.items() if p.poll() is not None]
            log(f"{', '.join(dead)} stopped unexpectedly; stopping the rest (see var/log/)")
            return 1
        except KeyboardInterrupt:
            log("stopping")
            return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.tools.devstack")
    parser.add_argument("command", choices=["run", "train", "model-hash"])
    parser.add_argument("--scaled", action="store_true",
                        help="PostgreSQL, Redis, nginx and two of each process (make run-scaled)")
    args = parser.parse_args(argv)
    if args.command == "train":
        print(ensure_model())
        return 0
    if args.command == "model-hash":
        print(model_hash())
        return 0
    return run(args.scaled)


if __name__ == "__main__":
    sys.exit(main())
