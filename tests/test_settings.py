"""Settings come from the environment and fail loudly on a bad value."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from shequ.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[1]
PROD = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "-production-secret-for-the-deploy-check-only-1234567890",
    "ALLOWED_HOSTS": "shequ.example.org",
    "SHEQU_DATA_KEYS": "k1:" + base64.b64encode(b"d" * 32).decode(),
    "SHEQU_HASH_KEYS": "h1:" + base64.b64encode(b"h" * 32).decode(),
}


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    unset = {
        "DEBUG",
        "SECRET_KEY",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "SHEQU_DATA_KEYS",
        "SHEQU_HASH_KEYS",
    }
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(  # noqa: S603  (our own interpreter and module)
        [sys.executable, "-m", "shequ", *args],
        env={**clean, "DJANGO_SETTINGS_MODULE": "shequ.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("raw", ["maybe", "2", "真"])
def test_env_bool_rejects_unclear_values(monkeypatch, raw):
    monkeypatch.setenv("SHEQU_X", raw)
    with pytest.raises(ImproperlyConfigured, match="SHEQU_X"):
        env_bool("SHEQU_X", False)


def test_env_helpers_read_good_values(monkeypatch):
    monkeypatch.setenv("SHEQU_B", "Yes")
    monkeypatch.setenv("SHEQU_I", " 45 ")
    monkeypatch.setenv("SHEQU_L", "a.org, b.org,,")
    assert env_bool("SHEQU_B", False) is True
    assert env_int("SHEQU_I", 1) == 45
    assert env_list("SHEQU_L", []) == ["a.org", "b.org"]
    assert env_str("SHEQU_MISSING", "x") == "x"


def test_env_int_rejects_words_and_values_below_minimum(monkeypatch):
    monkeypatch.setenv("SHEQU_I", "thirty")
    with pytest.raises(ImproperlyConfigured, match="SHEQU_I"):
        env_int("SHEQU_I", 30)
    monkeypatch.setenv("SHEQU_I", "0")
    with pytest.raises(ImproperlyConfigured, match="minimum"):
        env_int("SHEQU_I", 30, minimum=1)


def test_production_refuses_to_start_without_a_secret():
    result = _run(["check"], DEBUG="false", ALLOWED_HOSTS="shequ.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("missing", ["SHEQU_DATA_KEYS", "SHEQU_HASH_KEYS"])
def test_production_refuses_to_start_without_its_own_data_keys(missing):
    env = {k: v for k, v in PROD.items() if k != missing}
    result = _run(["check"], **env)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_production_refuses_the_development_key_a_reused_key_and_a_malformed_one():
    from shequ.crypto import development_keys

    dev = "dev:" + base64.b64encode(development_keys("data")[0][1]).decode()
    result = _run(["check"], **{**PROD, "SHEQU_DATA_KEYS": dev})
    assert result.returncode != 0 and "SHEQU_DATA_KEYS must be set" in result.stderr
    reused = PROD["SHEQU_DATA_KEYS"].replace("k1:", "h9:")
    result = _run(["check"], **{**PROD, "SHEQU_HASH_KEYS": reused})
    assert result.returncode != 0 and "must not reuse" in result.stderr
    result = _run(["check"], **{**PROD, "SHEQU_DATA_KEYS": "k1:c2hvcnQ="})
    assert result.returncode != 0 and "must be 32 random bytes" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _run(["check"], DEBUG="false", SECRET_KEY=PROD["SECRET_KEY"], ALLOWED_HOSTS="")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_bad_idle_timeout_stops_start_up():
    result = _run(["check"], SHEQU_IDLE_TIMEOUT_MINUTES="half an hour")
    assert result.returncode != 0
    assert "SHEQU_IDLE_TIMEOUT_MINUTES" in result.stderr


def test_bad_api_rate_stops_start_up():
    result = _run(["check"], SHEQU_API_RATE="lots")
    assert result.returncode != 0
    assert "SHEQU_API_RATE" in result.stderr


def test_bad_database_url_stops_start_up():
    result = _run(["check"], DATABASE_URL="nonsense://")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_options_in_the_database_url_add_to_the_planner_settings_instead_of_replacing_them():
    """`?options=` of a DATABASE_URL (and of a replica's) keeps jit=off and random_page_cost,
    its own settings coming after ours so that they win where both name one."""
    shown = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['OPTIONS']['options']); "
        "print(s.DATABASES['replica']['OPTIONS']['options'])"
    )
    url = "postgres://shequ@127.0.0.1:5432/shequ?options=-c%20statement_timeout%3D5000"
    result = _run(["shell", "-c", shown], DATABASE_URL=url, DATABASE_REPLICA_URL=url)
    assert result.returncode == 0, result.stderr
    both = "-c jit=off -c random_page_cost=1.1 -c statement_timeout=5000"
    assert result.stdout.splitlines()[-2:] == [both, both]
    plain = url.split("?")[0]
    result = _run(["shell", "-c", shown], DATABASE_URL=plain, DATABASE_REPLICA_URL=plain)
    ours = "-c jit=off -c random_page_cost=1.1"
    assert result.stdout.splitlines()[-2:] == [ours, ours], result.stderr


def test_check_deploy_passes_with_production_settings():
    result = _run(["check", "--deploy", "--fail-level", "WARNING"], **PROD)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_app_of_ours_is_collected_by_the_test_run():
    """A new app whose tests pytest never collects would pass CI silently."""
    import pathlib
    import tomllib

    from django.apps import apps

    root = pathlib.Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    testpaths = set(config["tool"]["pytest"]["ini_options"]["testpaths"])
    ours = {a.name for a in apps.get_app_configs() if (root / a.name / "tests").is_dir()}
    assert ours and ours <= testpaths
