"""API test helpers: a token per user of the cast, and a client that sends it."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from api import services


class ApiClient:
    """Django's test client with a bearer token (or none) and JSON bodies."""

    def __init__(self, secret: str | None = None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, url: str, **params):
        return self.client.get(url, params, headers=self.headers)

    def post(self, url: str, body=None, *, key: str | None = None):
        headers = dict(self.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post(
            url, json.dumps(body if body is not None else {}), "application/json", headers=headers
        )


def token_for(user, name: str = "测试") -> str:
    _token, secret = services.create_token(user, name=name, expires_at=None, by=user)
    return secret


@pytest.fixture
def api(world):
    """api(role) / api(role, outside=True): a client with a token of that cast member."""

    def make(role=None, *, outside: bool = False, user=None) -> ApiClient:
        if user is None and role is None:
            return ApiClient()
        user = user or (world.outsiders if outside else world.cast)[role]
        return ApiClient(token_for(user))

    return make
