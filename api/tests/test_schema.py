"""The OpenAPI schema: valid, covering every API route, served as generated; and the running
API checked against it by schemathesis (no 5xx, every answer as the schema says)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given, settings

from accounts.roles import Role
from api.docs import endpoints, schema
from api.tests.conftest import token_for
from people.tests.factories import resident
from tests.access_matrix import API_ROUTES, OPEN

NOT_IN_SCHEMA = {"api:schema"}  # the schema itself (and the JSON 404, OPEN) are not operations


def test_the_schema_is_valid_openapi():
    validate_schema(schema())


def test_every_api_route_and_method_is_in_the_schema(world):
    spec = schema()
    operations = {
        (path, method)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post")
    }
    for name, route in API_ROUTES.items():
        if name in NOT_IN_SCHEMA or route.get == OPEN:
            continue
        url = reverse(name, kwargs=route.kwargs(world))
        matches = [path for path, _m in operations if _matches(path, url)]
        assert matches, f"{name} ({url}) is not in the schema"
        for method in ("get", "post"):
            if getattr(route, method) is not None:
                assert (matches[0], method) in operations, f"{method.upper()} {name}"


def test_the_docs_page_shows_enum_values_and_reference_fields(world, client):
    """Choice fields and nested references come as `allOf: [{$ref}]`: the page resolves them,
    so an enum shows its values with their labels and a reference the fields it carries."""
    rows = {
        (e["method"], e["path"]): {f["name"]: f for f in e["answer"]} for e in endpoints(schema())
    }
    account = rows[("GET", "/api/v1/accounts/{id}/")]
    assert "community_worker（社区工作者）" in account["role"]["enum"]
    assert account["role"]["type"] == "string"
    assert account["role"]["description"] == ""  # not the generated "* `value` - label" list
    assert account["place"]["type"] == "object {id, name}"

    client.force_login(world.cast[Role.COMMUNITY_WORKER])
    page = client.get("/api/v1/docs/").content.decode()
    assert "community_worker（社区工作者）" in page
    assert "object {id, name}" in page
    assert "* `" not in page


def _matches(template: str, url: str) -> bool:
    parts, given_parts = template.strip("/").split("/"), url.strip("/").split("/")
    return len(parts) == len(given_parts) and all(
        p == g or (p.startswith("{") and p.endswith("}"))
        for p, g in zip(parts, given_parts, strict=True)
    )


def test_the_served_schema_is_the_generated_one(api):
    served = api(Role.VIEWER).get("/api/v1/schema/")
    assert served.status_code == 200
    assert served.json()["paths"].keys() == schema()["paths"].keys()
    assert api().get("/api/v1/schema/").status_code == 401


@pytest.fixture
def live_api(world, monkeypatch):
    """A community worker's token, and some records to read. The WSGI application runs in the
    test's transaction: as Django's test client does, it must not close the connection at the
    end of each request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from api.auth import AnonymousRateThrottle

    resident(world.grid, "周十", phone="13812345678")
    # Its probes without a token must meet the 401 they check for, not the address's limit
    # (tested in test_tokens.py).
    rates = {**AnonymousRateThrottle.THROTTLE_RATES, "anonymous": "100000/min"}
    monkeypatch.setattr(AnonymousRateThrottle, "THROTTLE_RATES", rates)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield token_for(world.cast[Role.COMMUNITY_WORKER])
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_running_api_answers_as_its_schema_says(live_api):
    """schemathesis drives every operation through the WSGI application with generated
    parameters and bodies (valid and not), and checks each answer: never a 5xx, status codes,
    content types, headers and bodies as documented."""
    import schemathesis
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    from shequ.wsgi import application

    headers = {"Authorization": f"Bearer {live_api}"}
    loaded = schemathesis.openapi.from_wsgi("/api/v1/schema/", application, headers=headers)
    operations = [result.ok() for result in loaded.get_all_operations()]
    assert len(operations) == sum(len(item) for item in schema()["paths"].values())
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.method, case.path, response.text[:300])
            # Valid by the schema yet refused by a rule the schema cannot state (an ID number's
            # checksum, a place outside one's own) is a 400, not a violation.
            case.validate_response(
                response, headers=headers, excluded_checks=[positive_data_acceptance]
            )

        try:
            check()
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
    # Each operation was really called, with many different requests.
    from audit.models import AuditEntry

    calls = AuditEntry.objects.filter(action="api.call").values_list("data__path", flat=True)
    assert len(set(calls)) >= 5 * len(operations)


def test_a_dispute_about_property_management_fits_the_case_body_schema(api, world):
    import jsonschema
    from django.utils import timezone

    from cases.flows import FLOWS
    from cases.models import Case

    body_schema = schema()["paths"]["/api/v1/cases/"]["post"]["requestBody"]["content"]
    body_schema = body_schema["application/json"]["schema"]
    body = {
        "kind": "纠纷",
        "title": "物业费争执",
        "category": "物业",  # a dispute's category that no request has
        "channel": FLOWS["纠纷"].channels[0],
        "place": world.grid.pk,
        "received_at": timezone.localtime().isoformat(),
    }
    jsonschema.validate(body, body_schema)
    assert body_schema["properties"]["received_at"]["format"] == "date-time"
    assert body_schema["properties"]["place"]["type"] == "integer"
    response = api(Role.COMMUNITY_WORKER).post("/api/v1/cases/", body)
    assert response.status_code == 201, response.content
    assert Case.objects.get().category == "物业"
