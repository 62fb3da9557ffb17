"""The access matrix: every URL × every role, at home and from next door."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import GRANTS, Perm, Role
from tests.access_matrix import ANY, API_ROUTES, OPEN, PUBLIC, ROUTES, Route


def _url_names(patterns=None, namespace: str = "") -> list[str | None]:
    names: list[str | None] = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += _url_names(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern):
            names.append(f"{namespace}{pattern.name}" if pattern.name else None)
    return names


def test_every_url_is_in_the_matrix():
    """Pages in ROUTES (session, this file's tests); the REST API in API_ROUTES (token,
    api/tests/test_access.py); no name in both."""
    names = _url_names()
    assert None not in names, "every URL pattern needs a name to be covered by the matrix"
    assert not set(ROUTES) & set(API_ROUTES)
    covered = set(ROUTES) | set(API_ROUTES)
    missing = sorted(set(names) - covered)
    stale = sorted(covered - set(names))
    assert not missing, f"URLs without an access-matrix entry: {missing}"
    assert not stale, f"access-matrix entries without a URL: {stale}"


def _url(route: Route, name: str, world) -> str:
    url = reverse(name, kwargs=route.kwargs(world))
    query = route.query(world)
    return f"{url}?{urlencode(query)}" if query else url


def _allowed(role: Role, need) -> bool:
    if isinstance(need, frozenset):  # any one of these permissions
        return bool(need & GRANTS[role])
    return need in (ANY, PUBLIC, OPEN) or (isinstance(need, Perm) and need in GRANTS[role])


def _outside(route: Route, role: Role) -> bool:
    """A grid worker sees only the grid: records kept at the community are outside it."""
    return route.community_level and role == Role.GRID_WORKER


def _refused_below(route: Route, role: Role) -> bool:
    """A page that works at a community or sub-district only: a grid worker gets 403."""
    return route.above_grid and role == Role.GRID_WORKER


def _expected_get(route: Route, role: Role) -> int:
    if route.get is None:
        return 405
    if route.get == PUBLIC:
        return 302  # a logged-in user is sent on from the login page
    if route.get == OPEN:
        return route.ok
    if not _allowed(role, route.get) or _refused_below(route, role):
        return 403
    return 404 if _outside(route, role) else route.ok


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_anonymous_is_sent_to_login(client, world, name):
    route = ROUTES[name]
    url = _url(route, name, world)
    response = client.get(url)
    if route.get in (PUBLIC, OPEN):
        assert response.status_code == 200
    elif route.get is None:
        assert response.status_code in (302, 405)
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_insider_get_and_post(client, world, name, role):
    route = ROUTES[name]
    user = world.cast[role]
    client.force_login(user)
    url = _url(route, name, world)

    assert client.get(url).status_code == _expected_get(route, role), f"GET {url} as {role}"

    if name == "accounts:logout":
        return  # posting it ends the session the rest of this test uses
    status = client.post(url, {}).status_code
    if route.post is None:
        assert status == 405, f"POST {url} as {role}"
    elif _refused_below(route, role):
        assert status == 403, f"POST {url} as {role} (no place to choose) answered {status}"
    elif route.post in (PUBLIC, OPEN) or _allowed(role, route.post):
        expected = (404,) if _outside(route, role) else (200, 302)
        assert status in expected, f"POST {url} as {role} answered {status}"
    else:
        assert status == 403, f"POST {url} as {role} (read-only) answered {status}"


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", sorted(n for n, r in ROUTES.items() if r.scoped))
def test_outsider_gets_404(client, world, name, role):
    route = ROUTES[name]
    client.force_login(world.outsiders[role])
    url = _url(route, name, world)
    if route.get is not None:
        expected = 404 if _allowed(role, route.get) else 403
        assert client.get(url).status_code == expected, f"GET {url} as outside {role}"
    if route.post is not None:
        expected = 404 if _allowed(role, route.post) else 403
        assert client.post(url, {}).status_code == expected, f"POST {url} as outside {role}"


@pytest.mark.parametrize("role", list(Role))
def test_supervision_files_only_for_judicial_roles(client, world, role):
    """A 社区矫正 file of the home grid: the roles granted judicial data open it; every other
    role that reads records gets 404 (the file does not exist for them), the rest 403."""
    from tests.access_matrix import _supervision_file

    file = _supervision_file(world)
    client.force_login(world.cast[role])
    status = client.get(reverse("cases:case-detail", args=[file.pk])).status_code
    printed = client.get(reverse("cases:case-print", args=[file.pk])).status_code
    if Perm.VIEW_JUDICIAL in GRANTS[role]:
        expected = 200
    elif Perm.VIEW_RECORDS in GRANTS[role]:
        expected = 404
    else:
        expected = 403
    assert (status, printed) == (expected, expected), role
