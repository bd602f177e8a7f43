"""Render deploy/nginx/willkommen.conf.template for the systemd installation (stdlib only).

    .venv/bin/python deploy/systemd/render_nginx_conf.py > /etc/willkommen/nginx.conf

The same template `make run-scaled` renders into var/nginx/ (bot/tools/devstack.py): the instances listen
on the ports after each public one (gateway 8001, 8002 behind :8000; Rasa 5006, 5007 behind :5005;
action servers 5056, 5057 behind :5055), which are the instance names of the systemd units.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1] / "nginx" / "willkommen.conf.template"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def replica_ports(public: int, replicas: int) -> list[int]:
    return [public + i for i in range(1, replicas + 1)]


def servers(ports: list[int]) -> str:
    return "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in ports)


def render(template: str, *, var: str, log: str, host: str, port: int, rasa_port: int, action_port: int,
           replicas: int) -> str:
    values = {"var": var, "log": log, "host": host, "port": str(port), "rasa_port": str(rasa_port),
              "action_port": str(action_port),
              "gateway_servers": servers(replica_ports(port, replicas)),
              "rasa_servers": servers(replica_ports(rasa_port, replicas)),
              "action_servers": servers(replica_ports(action_port, replicas))}
    text = PLACEHOLDER.sub(lambda match: values.get(match.group(0)[1:-1], match.group(0)), template)
    left = sorted(set(PLACEHOLDER.findall(text)))
    if left:
        raise ValueError(f"the template has placeholders this script does not know: {', '.join(left)}")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="render_nginx_conf.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--template", type=Path, default=TEMPLATE)
    parser.add_argument("--var", default="/var/lib/willkommen/nginx", help="pid file and temporary files")
    parser.add_argument("--log", default="/var/log/willkommen", help="nginx-error.log")
    parser.add_argument("--host", default="127.0.0.1", help="where the gateway's port listens")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        text = render(args.template.read_text(encoding="utf-8"), var=args.var, log=args.log, host=args.host,
                      port=args.port, rasa_port=args.rasa_port, action_port=args.action_port,
                      replicas=args.replicas)
    except ValueError as exc:
        print(f"render_nginx_conf.py: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
