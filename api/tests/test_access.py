"""The API's access matrix (tests/access_matrix.py API_ROUTES): every route × every role, with
a token at home and from next door, and without a token."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from accounts.roles import GRANTS, Perm, Role
from tests.access_matrix import ANY, API_ROUTES, OPEN, ApiRoute


def _url(route: ApiRoute, name: str, world) -> str:
    url = reverse(name, kwargs=route.kwargs(world))
    query = route.query(world)
    return f"{url}?{urlencode(query)}" if query else url


def _allowed(role: Role, need) -> bool:
    return need in (ANY, OPEN) or (isinstance(need, Perm) and need in GRANTS[role])


def _error_body(response) -> dict:
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert body["message"] and not body["message"].isascii(), body  # Chinese
    return body


@pytest.mark.parametrize("name", sorted(API_ROUTES))
def test_without_a_token_the_answer_is_401(api, world, name):
    route = API_ROUTES[name]
    url = _url(route, name, world)
    for method in ("get", "post"):
        if getattr(route, method) is None:
            continue
        response = getattr(api(), method)(url)
        if getattr(route, method) == OPEN:
            assert response.status_code == route.ok
            continue
        assert response.status_code == 401, (method, url)
        assert _error_body(response)["code"] == "unauthenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", sorted(API_ROUTES))
def test_insider(api, world, name, role):
    route = API_ROUTES[name]
    client = api(role)
    url = _url(route, name, world)

    response = client.get(url)
    if route.get is None:
        assert response.status_code == 405, f"GET {url} as {role}"
    elif not _allowed(role, route.get):
        assert response.status_code == 403, f"GET {url} as {role}"
        assert _error_body(response)["code"] == "forbidden"
    elif route.community_level and role == Role.GRID_WORKER:
        # Kept at the community, as on the page: outside a grid worker's grid.
        assert response.status_code == 404, f"GET {url} as {role}"
    else:
        assert response.status_code == route.ok, f"GET {url} as {role}: {response.content[:300]}"

    response = client.post(url, {})
    if route.post is None:
        assert response.status_code in (403, 405), f"POST {url} as {role}"
    elif route.post == OPEN:
        assert response.status_code == route.ok
    elif _allowed(role, route.post) and route.community_level and role == Role.GRID_WORKER:
        assert response.status_code == 404, f"POST {url} as {role}"
    elif _allowed(role, route.post) and route.above_grid and role == Role.GRID_WORKER:
        assert response.status_code == 403, f"POST {url} as {role} (keeps no store)"
    elif _allowed(role, route.post):
        # An empty body is bad input: 400 with the fields at fault, nothing saved.
        assert response.status_code == 400, f"POST {url} as {role}: {response.content[:300]}"
        assert _error_body(response)["fields"]
    else:
        assert response.status_code == 403, f"POST {url} as {role} (read-only)"


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", sorted(n for n, r in API_ROUTES.items() if r.scoped))
def test_outsider_gets_404(api, world, name, role):
    route = API_ROUTES[name]
    client = api(role, outside=True)
    url = _url(route, name, world)
    for method in ("get", "post"):
        need = getattr(route, method)
        if need is None:
            continue
        response = getattr(client, method)(url, {}) if method == "post" else client.get(url)
        expected = 404 if _allowed(role, need) else 403
        assert response.status_code == expected, f"{method.upper()} {url} as outside {role}"
        _error_body(response)


def test_a_wrong_path_is_a_json_404_for_any_method(world):
    """Found by schemathesis: an id that is no number fell to a page that answered POST with
    the HTML CSRF page."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    for method in ("get", "post", "put", "delete"):
        response = getattr(client, method)("/api/v1/residents/abc/reveal/")
        assert response.status_code == 404, method
        assert response.json()["code"] == "not_found"
