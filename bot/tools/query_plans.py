"""What PostgreSQL does with the queries a piece of code runs: record them, EXPLAIN them, summarise the plans.

Used by the inbox benchmark (its report lists the indexes each page query uses) and by the queue's
scale test (no sequential scan of the tickets table). The statements are recorded as the driver
received them, so the plan is the plan of the real query, parameters included, and not of a copy
written for the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

FROM_TICKETS = re.compile(r"\bFROM tickets\b")


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: Any

    @property
    def reads_tickets(self) -> bool:
        return self.sql.lstrip().upper().startswith("SELECT") and FROM_TICKETS.search(self.sql) is not None


@contextmanager
def recorded(engine: AsyncEngine) -> Iterator[list[Statement]]:
    """Every statement sent on the engine's connections while the block runs."""
    statements: list[Statement] = []

    def record(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, _many: bool) -> None:
        statements.append(Statement(sql, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


@dataclass
class Plan:
    """The parts of a plan a reader checks first: which indexes, which tables read whole, how long."""

    statement: Statement
    tree: dict[str, Any]
    indexes: list[str] = field(default_factory=list)  # index names, in the plan's order
    seq_scans: list[str] = field(default_factory=list)  # tables read by a sequential scan
    milliseconds: float | None = None  # with ANALYZE: the execution time

    def summary(self) -> str:
        parts = [f"index {', '.join(dict.fromkeys(self.indexes))}" if self.indexes else "no index"]
        if self.seq_scans:
            parts.append(f"Seq Scan on {', '.join(dict.fromkeys(self.seq_scans))}")
        if self.milliseconds is not None:
            parts.append(f"{self.milliseconds:.2f} ms")
        return "; ".join(parts)


def nodes(tree: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield tree
    for child in tree.get("Plans", []):
        yield from nodes(child)


async def explain(connection: AsyncConnection, statement: Statement, *, analyze: bool = False) -> Plan:
    """EXPLAIN (FORMAT JSON) of a recorded statement, on PostgreSQL."""
    options = "FORMAT JSON, ANALYZE" if analyze else "FORMAT JSON"
    result = await connection.exec_driver_sql(f"EXPLAIN ({options}) {statement.sql}", statement.parameters)
    document = result.scalar_one()[0]
    plan = Plan(statement, document["Plan"], milliseconds=document.get("Execution Time"))
    for node in nodes(plan.tree):
        if "Index Name" in node:
            plan.indexes.append(node["Index Name"])
        if node["Node Type"] == "Seq Scan":
            plan.seq_scans.append(node["Relation Name"])
    return plan
