"""The real stack (Rasa 3.6 server, rasa-sdk action server, gateway) as processes, once per session."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from bot.devstack import Stack, StackConfig
from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    var_dir = tmp_path_factory.mktemp("stack")
    config = StackConfig(port=free_port(), rasa_port=free_port(), action_port=free_port(), var_dir=var_dir,
                         extra_env={"KB_INDEX_DIR": str(ROOT / "var" / "kb_index")})
    with Stack(config) as stack:
        stack.start(stack.prepare())
        stack.wait_healthy(timeout=600)
        yield stack


@pytest.fixture
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.config.gateway_url, timeout=60) as client:
        yield client


class Person:
    """Someone chatting through the public chat API."""

    def __init__(self, gateway: httpx.Client) -> None:
        self.gateway = gateway
        created = gateway.post("/api/v1/conversations")
        assert created.status_code == 201, created.text
        self.id = created.json()["id"]
        self.token = created.json()["token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def says(self, text: str) -> list[dict]:
        response = self.gateway.post(f"/api/v1/conversations/{self.id}/messages", json={"text": text},
                                     headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    def last_seq(self) -> int:
        history = self.gateway.get(f"/api/v1/conversations/{self.id}/messages", headers=self.headers).json()
        return history["messages"][-1]["seq"]

    def presses(self, payload: str) -> list[dict]:
        response = self.gateway.post(f"/api/v1/conversations/{self.id}/messages", json={"payload": payload},
                                     headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()["messages"]


@pytest.fixture
def person(gateway: httpx.Client) -> Person:
    return Person(gateway)
