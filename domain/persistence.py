"""The one persistence setting, OKR_DATABASE_URL, turned into an eventsourcing environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import parse_qsl, unquote, urlsplit

DEFAULT_DATABASE_URL = "sqlite:///./okr.db"

VALID_URLS = (
    "memory://, sqlite:///relative/path.db, sqlite:////absolute/path.db, "
    "or postgresql://user:password@host:5432/dbname?schema=name"
)

# Explicit rather than relying on the library's defaults, so a reader of this file knows
# what production runs with. The library waits 30 s for a pooled connection and forever
# for its insert's EXCLUSIVE table lock; a few seconds then an error beats a hung request.
POSTGRES_DEFAULTS = {
    "POSTGRES_POOL_SIZE": "5",
    "POSTGRES_MAX_OVERFLOW": "10",
    # Also how long a call waits for a pooled connection: while the database is down a
    # request should fail within seconds (503), not queue behind a pool that cannot refill.
    "POSTGRES_CONNECT_TIMEOUT": "2",
    # Pooled connections are checked before use, so after a database restart requests get
    # fresh connections rather than the dead ones.
    "POSTGRES_PRE_PING": "y",
    "POSTGRES_LOCK_TIMEOUT": "5",
    # Pinned off even if the process environment says otherwise: the library's database
    # functions insert without its table lock, so a reader tailing the log could skip events.
    "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
}

# Query parameters a postgresql:// URL may carry; anything else is refused rather than
# ignored, so that a typo (or an unsupported `sslmode`) is never silently dropped.
POSTGRES_QUERY_KEYS = {
    "schema": "POSTGRES_SCHEMA",
    "pool_size": "POSTGRES_POOL_SIZE",
    "max_overflow": "POSTGRES_MAX_OVERFLOW",
    "connect_timeout": "POSTGRES_CONNECT_TIMEOUT",
    "lock_timeout": "POSTGRES_LOCK_TIMEOUT",
}


def database_url(environ: Mapping[str, str] = os.environ) -> str:
    """Return OKR_DATABASE_URL, or the embedded SQLite default when it is unset or empty."""
    return environ.get("OKR_DATABASE_URL") or DEFAULT_DATABASE_URL


def environment_for(url: str) -> dict[str, str]:
    """Return the `Application(env=...)` settings that store events where `url` says."""
    scheme, _, rest = url.strip().partition("://")
    scheme = scheme.lower()
    if scheme == "memory" and rest in ("", "/"):
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if scheme == "sqlite":
        return _sqlite(url, rest)
    if scheme in ("postgresql", "postgres"):
        return _postgres(url)
    raise _invalid(url, "unknown scheme")


def _sqlite(url: str, rest: str) -> dict[str, str]:
    # Three slashes then the path, as SQLAlchemy spells it: a fourth slash makes it absolute.
    path = rest[1:]
    if not path or path.endswith("/"):
        raise _invalid(url, "the sqlite URL has no file path")
    if not rest.startswith("/"):
        raise _invalid(url, "a sqlite URL has no host; put three slashes before the path")
    # No synchronous/journal settings: the library's WAL with synchronous=FULL is durable.
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}


def _postgres(url: str) -> dict[str, str]:
    parts = urlsplit(url.strip())
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname or "/" in dbname:
        raise _invalid(url, "the postgresql URL names no database")
    if not parts.username:
        raise _invalid(url, "the postgresql URL names no user")
    try:
        port = parts.port or 5432
    except ValueError:
        raise _invalid(url, "the port is not a number from 1 to 65535") from None
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": parts.hostname or "localhost",
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(parts.username),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        **POSTGRES_DEFAULTS,
    }
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in POSTGRES_QUERY_KEYS:
            known = ", ".join(POSTGRES_QUERY_KEYS)
            raise _invalid(url, f"unknown parameter {key!r} (known: {known})")
        if key != "schema" and not value.isdigit():
            raise _invalid(url, f"parameter {key!r} must be a whole number")
        env[POSTGRES_QUERY_KEYS[key]] = value
    return env


def _invalid(url: str, reason: str) -> ValueError:
    # The password must not end up in logs, so it is masked in the message.
    shown = url
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if password:
        shown = url.replace(f":{password}@", ":***@", 1)
    return ValueError(f"OKR_DATABASE_URL {shown!r} is not valid: {reason}. Use {VALID_URLS}.")
