"""With OKR_PROJECTIONS=workers the API leaves the read models to `okr project` workers: a read
waits for a worker to reach its `min_position`, and tells the client to retry if none does."""

from __future__ import annotations

import pytest
from api_helpers import ADMIN_TOKEN, Api
from litestar.testing import TestClient

from api.app import create_app
from api.settings import Settings
from domain.application import OkrApp
from projections.catalog import projector_for

pytestmark = pytest.mark.api


def test_reads_wait_for_a_worker_and_never_project_themselves(tmp_path, clock):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    settings = Settings(database_url=url, admin_token=ADMIN_TOKEN, projections_in_process=False,
                        read_wait_seconds=0.5)
    app = create_app(settings, clock=clock)
    with TestClient(app=app) as client:
        api = Api(client, app.state.ledger, clock)
        planned = api.ok(api.post("/cycles", {"name": "Q1", "starts_on": "2026-01-01", "ends_on": "2026-03-31"}), 201)
        # no worker has run: the read gives up with a 503 and Retry-After
        refused = api.get(f"/cycles/{planned['id']}", params={"min_position": planned["position"]})
        api.refused(refused, 503, "retry")
        assert refused.headers["retry-after"] == "1"
        assert app.state.ledger.projector.position() == 0
        # a worker (here: a projector of another application on the same store) catches up
        worker_app = OkrApp(url)
        worker = projector_for(worker_app, url)
        worker.catch_up()
        worker.store.close()
        worker_app.close()
        cycle = api.ok(api.get(f"/cycles/{planned['id']}", params={"min_position": planned["position"]}))
        assert cycle["name"] == "Q1"
