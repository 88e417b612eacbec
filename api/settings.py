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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ, **overrides) -> Settings:
        values = {
            "database_url": database_url(environ),
            "admin_token": environ.get("OKR_ADMIN_TOKEN") or None,
            "projections_in_process": environ.get("OKR_PROJECTIONS", "in-process") != "workers",
        }
        if "OKR_READ_WAIT_SECONDS" in environ:
            values["read_wait_seconds"] = float(environ["OKR_READ_WAIT_SECONDS"])
        return cls(**{**values, **overrides})
