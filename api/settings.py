"""What the server is configured with, read from the environment once, at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from domain.persistence import database_url


@dataclass(frozen=True)
class Settings:
    database_url: str
    # The holder of this token acts as the built-in administrator; without it only user
    # tokens work (and none exist until an administrator registers someone).
    admin_token: str | None = None
    # How long a read with `min_position` waits for the projections to reach it.
    read_wait_seconds: float = 5.0
    # Projections run in a thread of the server; off when `okr project` workers run them.
    projections_in_process: bool = True
    max_body_bytes: int = 64 * 1024
    # Requests a minute per token (0: no limit), after a burst of `rate_burst`.
    rate_per_minute: int = 1200
    rate_burst: int = 200

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ, **overrides) -> Settings:
        values = {
            "database_url": database_url(environ),
            "admin_token": environ.get("OKR_ADMIN_TOKEN") or None,
            "projections_in_process": environ.get("OKR_PROJECTIONS", "in-process") != "workers",
        }
        numbers = {
            "OKR_READ_WAIT_SECONDS": ("read_wait_seconds", float),
            "OKR_RATE_LIMIT": ("rate_per_minute", int),
            "OKR_RATE_BURST": ("rate_burst", int),
            "OKR_MAX_BODY_BYTES": ("max_body_bytes", int),
        }
        for variable, (name, kind) in numbers.items():
            if variable in environ:
                try:
                    values[name] = kind(environ[variable])
                except ValueError:
                    raise ValueError(f"{variable} must be a number, not {environ[variable]!r}") from None
        return cls(**{**values, **overrides})
