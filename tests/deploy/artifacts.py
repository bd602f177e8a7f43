"""Readers for the deployment artifacts in deploy/ (systemd units, Dockerfile, compose, Kubernetes, nginx).

Static only: nothing here starts a container, a unit or a cluster. The schemas come from packages
(offline): the Compose specification's from check-jsonschema, Kubernetes' from kubernetes-validate.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.paths import ROOT

DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
CONTAINER = DEPLOY / "container"
K8S = DEPLOY / "k8s"
COMPOSE_FILE = DEPLOY / "compose.yaml"
DOCKERFILE = CONTAINER / "Dockerfile"
DOCKERIGNORE = CONTAINER / "Dockerfile.dockerignore"
CONTAINER_NGINX = CONTAINER / "nginx.conf"
NGINX_TEMPLATE = DEPLOY / "nginx" / "willkommen.conf.template"
SCALED_ENDPOINTS = DEPLOY / "rasa" / "endpoints.scaled.yml"
INSTALL_PREFIX = "/opt/willkommen"

ROLES = ("gateway", "rasa", "actions")
# the public ports (nginx, the Services) and, in the process profiles, the instances' ports behind them
PUBLIC_PORTS = {"gateway": 8000, "rasa": 5005, "actions": 5055}
REPLICAS = 2
INSTANCE_PORTS = {role: [port + i for i in range(1, REPLICAS + 1)] for role, port in PUBLIC_PORTS.items()}

# variables read by the runtimes rather than by our code (interpreter, OpenMP, Rasa, SQLAlchemy 1.4, TensorFlow)
RUNTIME_VARIABLES = frozenset({"PYTHONPATH", "OMP_NUM_THREADS", "OMP_WAIT_POLICY", "RASA_TELEMETRY_ENABLED",
                               "SQLALCHEMY_SILENCE_UBER_WARNING", "TF_CPP_MIN_LOG_LEVEL"})


# ---------------------------------------------------------------- systemd


@dataclass
class Unit:
    """A unit file as systemd reads it: sections of (key, value) in order, keys may repeat."""

    path: Path
    sections: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def values(self, section: str, key: str) -> list[str]:
        return [value for k, value in self.sections.get(section, []) if k == key]

    def value(self, section: str, key: str) -> str | None:
        values = self.values(section, key)
        return values[-1] if values else None

    def words(self, section: str, key: str) -> list[str]:
        """Space-separated lists (After=, Wants=, ReadWritePaths=) over every line of the key."""
        return [word for value in self.values(section, key) for word in value.split()]

    def environment(self) -> dict[str, str]:
        pairs = [word.split("=", 1) for value in self.values("Service", "Environment") for word in shlex.split(value)]
        return {key: value for key, value in pairs}

    def commands(self, key: str = "ExecStart") -> list[list[str]]:
        return [shlex.split(value.lstrip("-@:+!")) for value in self.values("Service", key)]


def read_unit(path: Path) -> Unit:
    unit = Unit(path)
    section = ""
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            unit.sections.setdefault(section, [])
            continue
        key, _, value = line.partition("=")
        unit.sections[section].append((key.strip(), value.strip()))
    return unit


def unit_files() -> list[Path]:
    return sorted([*SYSTEMD.glob("*.service"), *SYSTEMD.glob("*.target")])


def units() -> dict[str, Unit]:
    return {path.name: read_unit(path) for path in unit_files()}


def read_env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


def systemd_environment(role: str) -> dict[str, str]:
    """What a process of `role` (gateway, rasa, actions, migrate) gets: the env file, then its unit's Environment=."""
    name = "willkommen-migrate.service" if role == "migrate" else f"willkommen-{role}@.service"
    return {**read_env_file(SYSTEMD / "willkommen.env.example"), **read_unit(SYSTEMD / name).environment()}


# ---------------------------------------------------------------- compose, Kubernetes


def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8")))


def compose_services(role: str) -> dict[str, dict[str, Any]]:
    """The compose services of one role: gateway-1, gateway-2 ... (migrate: the one-shot service)."""
    services: dict[str, dict[str, Any]] = compose()["services"]
    if role == "migrate":
        return {"migrate": services["migrate"]}
    return {name: spec for name, spec in services.items() if re.fullmatch(rf"{role}-\d+", name)}


def kustomization() -> dict[str, Any]:
    return dict(yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8")))


def k8s_documents(paths: list[Path] | None = None) -> list[dict[str, Any]]:
    paths = paths if paths is not None else [K8S / name for name in kustomization()["resources"]]
    return [doc for path in paths for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def k8s_object(kind: str, name: str) -> dict[str, Any]:
    docs = k8s_documents([*(K8S / n for n in kustomization()["resources"]), K8S / "secret.example.yaml"])
    [found] = [doc for doc in docs if doc["kind"] == kind and doc["metadata"]["name"] == name]
    return found


def k8s_containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    return list(workload["spec"]["template"]["spec"]["containers"])


def k8s_environment(container: dict[str, Any]) -> dict[str, str]:
    """A container's environment: its envFrom ConfigMaps and Secrets (secret.example.yaml), then env."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(k8s_object("ConfigMap", source["configMapRef"]["name"])["data"])
        if "secretRef" in source:
            env.update(k8s_object("Secret", source["secretRef"]["name"])["stringData"])
    env.update({item["name"]: item.get("value", "") for item in container.get("env", [])})
    return env


# ---------------------------------------------------------------- Dockerfile


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (INSTRUCTION, value)

    def all(self, instruction: str) -> list[str]:
        return [value for name, value in self.instructions if name == instruction]

    def last(self, instruction: str) -> str | None:
        values = self.all(instruction)
        return values[-1] if values else None


def dockerfile_stages() -> dict[str, Stage]:
    from dockerfile_parse import DockerfileParser

    parser = DockerfileParser(path=str(DOCKERFILE), env_replace=False)
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for item in parser.structure:
        instruction, value = item["instruction"], item["value"]
        if instruction == "FROM":
            words = value.split()
            name = words[2] if len(words) == 3 and words[1].lower() == "as" else str(len(stages))
            current = stages[name] = Stage(name, words[0])
        elif current is not None and instruction not in ("COMMENT",):
            current.instructions.append((instruction, value))
    return stages


def stage_chain(stages: dict[str, Stage], name: str) -> list[Stage]:
    """A stage and the stages it is built FROM, the target last."""
    chain = [stages[name]]
    while chain[0].base in stages:
        chain.insert(0, stages[chain[0].base])
    return chain


def exec_form(value: str) -> list[str]:
    """CMD/ENTRYPOINT/HEALTHCHECK CMD in JSON (exec) form."""
    parsed = json.loads(value)
    assert isinstance(parsed, list), f"not the exec form: {value}"
    return [str(word) for word in parsed]


def copy_sources(value: str) -> tuple[dict[str, str], list[str], str]:
    """COPY [--flag=value ...] SRC... DEST -> (flags, sources, destination)."""
    words = shlex.split(value)
    flags = dict(word[2:].split("=", 1) for word in words if word.startswith("--"))
    paths = [word for word in words if not word.startswith("--")]
    return flags, paths[:-1], paths[-1]


def dockerignore_allows(path: str) -> bool:
    """Whether Dockerfile.dockerignore (an allow-list: `*`, then `!path` lines) lets `path` into the context."""
    allowed = False
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated, pattern = line.startswith("!"), line.lstrip("!").rstrip("/")
        if pattern == "*" or path == pattern or path.startswith(pattern + "/"):
            allowed = negated
    return allowed


# ---------------------------------------------------------------- commands


@dataclass(frozen=True)
class Command:
    """A process command, told apart from where it listens: the interpreter's environment, the module,
    its arguments without the values that differ between profiles (host, port, trusted proxies, model file)."""

    venv: str
    words: tuple[str, ...]
    host: str | None
    port: str | None
    model: str | None


PER_PROFILE = {"--host": "host", "--interface": "host", "--port": "port", "--model": "model"}


def command(argv: list[str]) -> Command:
    interpreter = Path(argv[0])
    assert interpreter.name == "python" and interpreter.parent.name == "bin", argv
    venv = interpreter.parent.parent.name
    words: list[str] = []
    found: dict[str, str] = {}
    rest = iter(argv[1:])
    for word in rest:
        if word in PER_PROFILE:
            found[PER_PROFILE[word]] = next(rest)
            words.append(word)
        elif word == "--forwarded-allow-ips":
            next(rest)
            words.append(word)
        else:
            words.append(word)
    return Command(venv, tuple(words), found.get("host"), found.get("port"), found.get("model"))


# the commands of the brief / bot/tools/devstack.py, per role (interpreter environment, leading words)
PROCESS_COMMANDS = {
    "gateway": (".venv", ("-m", "uvicorn", "bot.gateway.app:create_app", "--factory")),
    "rasa": (".venv-rasa", ("-m", "bot.rasa_ext.serve", "--enable-api")),
    "actions": (".venv", ("-m", "actions")),
    "migrate": (".venv", ("-m", "alembic", "upgrade", "head")),
}


# ---------------------------------------------------------------- names the code knows


def settings_fields(path: Path, class_name: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    [cls] = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == class_name]
    return {node.target.id.upper() for node in cls.body
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
            and not node.target.id.startswith("_") and node.target.id != "model_config"}


def environ_reads() -> set[str]:
    """Variables our code reads itself with os.environ.get("NAME") / os.environ["NAME"]."""
    pattern = re.compile(r"os\.environ(?:\.get\(|\.setdefault\(|\[)\s*[\"']([A-Z0-9_]+)[\"']")
    files = [*(ROOT / "bot").rglob("*.py"), *(ROOT / "actions").rglob("*.py")]
    return {name for path in files for name in pattern.findall(path.read_text(encoding="utf-8"))}


def placeholders(path: Path) -> set[str]:
    """${NAME} references in a Rasa endpoints or credentials file."""
    return set(re.findall(r"\$\{([A-Z0-9_]+)\}", path.read_text(encoding="utf-8")))


def env_example_names() -> set[str]:
    """Every NAME= in .env.example, commented-out ones included (optional settings)."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def known_names() -> set[str]:
    return (env_example_names() | settings_fields(ROOT / "bot" / "settings.py", "Settings")
            | settings_fields(ROOT / "actions" / "services.py", "ActionSettings") | environ_reads()
            | placeholders(SCALED_ENDPOINTS) | placeholders(ROOT / "credentials.yml") | RUNTIME_VARIABLES)


def url(value: str) -> Any:
    """urlsplit of a URL that may hold compose interpolations (${NAME:?message})."""
    return urlsplit(re.sub(r"\$\{[^}]*\}", "x", value))
