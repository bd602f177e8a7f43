"""Databases on the PostgreSQL server, named by the SQLAlchemy URLs the code uses: create, drop, reach.

For the tools and tests that make databases of their own (the scaled profile, scratch databases for
tests and benchmarks); the gateway itself only ever migrates the database it is given.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg


def driver_url(url: str, database: str | None = None) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://…) as psycopg reads it, optionally for another database."""
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://"))
    return parts._replace(path=f"/{database}" if database else parts.path).geturl()


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def ensure_database(url: str) -> None:
    """Create the database the URL names, if it does not exist."""
    with psycopg.connect(driver_url(url, "postgres"), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database_name(url),)).fetchone():
            connection.execute(f'CREATE DATABASE "{database_name(url)}"')


def drop_databases(*urls: str) -> None:
    """Drop the databases the URLs name (all on one server), connections and all."""
    with psycopg.connect(driver_url(urls[0], "postgres"), autocommit=True) as connection:
        for url in urls:
            connection.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')
