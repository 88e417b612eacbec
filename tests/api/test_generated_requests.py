"""Generated requests (schemathesis, from the live /schema) against a real server process
holding the demo organisation: no 5xx, every response as the schema documents it, and the
event log changes only when the answer is 2xx.

The number of cases per operation is `OKR_FUZZ_EXAMPLES` (default 25: over a thousand in
all); `OKR_FUZZ_EXAMPLES=300 uv run pytest tests/api/test_generated_requests.py -p no:cacheprovider`
runs over ten thousand.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections import Counter

import pytest
import schemathesis
from schemathesis import checks
from api_helpers import ADMIN_TOKEN
from hypothesis import HealthCheck, given, settings
from server_process import ROOT, api_server

pytestmark = pytest.mark.api

EXAMPLES = int(os.environ.get("OKR_FUZZ_EXAMPLES", "25"))
TALLY: Counter = Counter()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'okr.db'}"
    seeded = subprocess.run([sys.executable, "-m", "api.cli", "demo", "--database-url", url],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert seeded.returncode == 0, seeded.stderr
    with api_server(url, ADMIN_TOKEN, OKR_RATE_LIMIT="0") as base:
        yield base, folder / "okr.db"
    print(f"\ngenerated requests: {sum(TALLY.values())} cases; by status: {dict(sorted(TALLY.items()))}")


def log_length(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM stored_events").fetchone()[0]


def operations(base: str) -> list:
    schema = schemathesis.openapi.from_url(f"{base}/schema/openapi.json")
    # The live stream never ends, so a generated call would never return; it has its own
    # test (test_event_stream.py).
    return [op for op in (result.ok() for result in schema.get_all_operations())
            if op.path != "/events/stream"]


def test_generated_requests_never_fail_the_server_nor_change_the_log_unless_accepted(live):
    base, db = live
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    found = operations(base)
    assert len(found) >= 10

    for operation in found:
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def case_holds(case):
            before = log_length(db)
            response = case.call_and_validate(base_url=base, headers=headers, excluded_checks=[
                # Rules no schema states (a cycle ends after it starts) answer 422.
                checks.positive_data_acceptance,
            ])
            TALLY[response.status_code] += 1
            if not 200 <= response.status_code < 300:
                assert log_length(db) == before, (
                    f"{case.method} {case.formatted_path} answered {response.status_code} but appended"
                )

        case_holds()
    assert sum(TALLY.values()) >= EXAMPLES * len(found) // 2
