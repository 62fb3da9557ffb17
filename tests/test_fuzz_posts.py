"""Junk posted to every form of the project (hypothesis): for each URL of the access matrix
that takes a POST, a user allowed to post there sends generated values for the fields the
page's own form has. Whatever comes in, the answer is a page, a redirect or a refusal — never a
server error (the test client raises the view's exception, so a 500 fails the test with it)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.roles import Role
from tests.access_matrix import OPEN, PUBLIC, ROUTES
from tests.live import forms_of
from tests.test_access_matrix import _allowed, _outside, _refused_below, _url

POSTED = sorted(n for n, r in ROUTES.items() if r.post is not None and n != "accounts:logout")
# Who posts: the first role of these allowed to, at home.
POSTERS = [
    Role.COMMUNITY_WORKER,
    Role.COMMUNITY_HEAD,
    Role.GRID_WORKER,
    *[r for r in Role if r not in (Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD, Role.GRID_WORKER)],
]
# Names forms of the project commonly have, for a POST whose form lives on no page we open.
COMMON = ["version", "reason", "note", "date", "place", "target", "on", "what", "field", "q"]

value = st.one_of(
    st.text(max_size=40),
    st.just(""),
    st.integers().map(str),
    st.sampled_from(["0", "-1", "1e309", "NaN", "99999999999999999999", "1.005", "３５"]),
    st.sampled_from(["2024-02-30", "2024-03-01", "0000-00-00", "9999-12-31T99:99", "25:61"]),
    st.sampled_from(["h:1", "r:1", "u:1", "h:99999999999", "x:1", "r:-1", "on", "true"]),
    st.builds(lambda c, n: c * n, st.characters(), st.integers(200, 5000)),
    st.lists(st.text(max_size=8), min_size=2, max_size=3),  # a field posted twice
)


def _poster(route) -> Role | None:
    if route.post in (PUBLIC, OPEN):
        return None  # anonymous
    for role in POSTERS:
        allowed = _allowed(role, route.post) and not _refused_below(route, role)
        if allowed and not _outside(route, role):
            return role
    raise AssertionError("no role may post here")  # the matrix says someone may


def _field_names(client: Client, url: str) -> list[str]:
    """The names of the page's POST form for `url`: on the page itself or, for a POST-only
    URL, on the nearest page above it that has a form posting there."""
    path = urlsplit(url).path
    candidates = [url]
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        parts = parts[:-1]
        candidates.append("/".join(parts) + "/")
    for candidate in candidates:
        page = client.get(candidate)
        if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
            continue
        forms = [
            f
            for f in forms_of(page.content.decode())
            if f.method == "post"
            and ((f.action in ("", "?") and candidate == url) or f.action.split("?")[0] == path)
        ]
        names = sorted({n for f in forms for n in f.names} - {"csrfmiddlewaretoken"})
        if names:
            return names
    return COMMON


@pytest.mark.parametrize("name", POSTED)
def test_junk_posted_to_any_form_never_gets_a_server_error(client, world, name):
    route = ROUTES[name]
    role = _poster(route)
    user = world.cast[role] if role is not None else None
    if user is not None:
        client.force_login(user)
    url = _url(route, name, world)
    names = _field_names(client, url)
    answers = set()
    # A post to the account pages may end the session (a password change): log in again.
    relogin = user is not None and name.startswith("accounts:")

    @settings(
        # 15 each: some 125 forms make this the longest of the fuzz tests (see README).
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.fixed_dictionaries({}, optional=dict.fromkeys(names, value)))
    def post(data):
        with transaction.atomic():
            if relogin:
                client.force_login(user)
            answers.add(client.post(url, data).status_code)
            transaction.set_rollback(True)  # each example starts from the same records

    post()
    assert answers and max(answers) < 500, answers
