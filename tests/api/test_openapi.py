"""The OpenAPI document shows an example of every request body and every success response,
each one a value its type accepts, and the examples of plain creations work as they are."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from api.app import SCHEMA_MODULES
from api.schemas.examples import structs

pytestmark = pytest.mark.api


def _document(api) -> dict[str, Any]:
    return api.ok(api.get("/schema/openapi.json"))


def _shown(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    """Whether a schema carries an example: itself, the component it refers to, or (for a
    list) its items."""
    if schema.get("examples") or "example" in schema:
        return True
    if "$ref" in schema:
        return _shown(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    if schema.get("type") == "array" and "items" in schema:
        return _shown(schema["items"], components)
    choices = [c for c in schema.get("oneOf", schema.get("anyOf", ())) if c.get("type") != "null"]
    return bool(choices) and all(_shown(c, components) for c in choices)


def test_every_body_and_success_response_has_an_example(api):
    doc = _document(api)
    components = doc["components"]["schemas"]
    bodies, responses, missing = 0, 0, []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                bodies += 1
                if not (media.get("examples") or _shown(media["schema"], components)):
                    missing.append(f"{method.upper()} {path} body")
            for status, response in operation.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                for kind, media in response.get("content", {}).items():
                    if kind == "text/event-stream":
                        continue  # a stream of events, each shown in the feed's examples
                    responses += 1
                    if not (media.get("examples") or _shown(media.get("schema", {}), components)):
                        missing.append(f"{method.upper()} {path} {status}")
    assert bodies >= 20 and responses >= 40, (bodies, responses)
    assert not missing, missing


def test_every_example_is_a_value_of_the_type_it_shows(api):
    components = _document(api)["components"]["schemas"]
    types = structs(SCHEMA_MODULES)
    checked = 0
    for name, struct in types.items():
        if name not in components:
            continue  # a base class no route shows
        for value in components[name]["examples"]:
            msgspec.convert(value, struct)  # raises, naming the field, if it is not
            checked += 1
    assert checked >= 40


def test_the_examples_of_a_user_and_a_cycle_create_them(api):
    components = _document(api)["components"]["schemas"]
    user = components["UserCreate"]["examples"][0]
    cycle = components["CycleCreate"]["examples"][0]
    assert api.ok(api.post("/users", json=user), 201)["id"]
    made = api.ok(api.post("/cycles", json=cycle), 201)
    read = api.get(f"/cycles/{made['id']}", params={"min_position": made["position"]})
    assert api.ok(read)["name"] == cycle["name"]
