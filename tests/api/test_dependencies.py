"""How a request's dependencies are resolved: one after another, the token first."""

from __future__ import annotations

from litestar.routes import HTTPRoute


def test_every_route_resolves_its_dependencies_one_after_another(api):
    # Dependencies of one level are resolved as tasks of a task group, which costs a request
    # more than the work of all of them; the chain in api.deps keeps every level to one.
    checked = 0
    for route in api.client.app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            model = handler.create_kwargs_model(path_parameters=route.path_parameters)
            levels = [sorted(d.key for d in batch) for batch in model.dependency_batches]
            assert all(len(level) == 1 for level in levels), (route.path, levels)
            checked += bool(levels)
    assert checked >= 45  # every route of the API takes at least the caller


def test_the_token_is_checked_before_the_headers_of_a_write(api):
    cycle = api.ok(api.post("/cycles", {"name": "2026-Q1", "starts_on": "2026-01-01",
                                        "ends_on": "2026-03-31"}), 201)
    path = f"/cycles/{cycle['id']}/activate"
    api.refused(api.post(path, as_=None, headers={"If-Match": "three"}), 401, "Authorization")
    api.refused(api.post(path, as_="okr_nobody", headers={"If-Match": "three"}), 401, "token")
    api.refused(api.post(path, headers={"If-Match": "three"}), 400, "if_match")
