from django.urls import reverse


def test_pages_carry_the_security_headers(client, db):
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_no_inline_script_in_the_layout(client, world):
    client.force_login(world.cast["subdistrict_admin"])
    html = client.get(reverse("areas:place-detail", args=[world.subdistrict.pk])).content.decode()
    assert "<script>" not in html and "onclick=" not in html and "onchange=" not in html
    assert 'lang="zh-CN"' in html


def test_session_cookie_is_http_only(client, world):
    from conftest import TEST_PASSWORD

    response = client.post(
        reverse("accounts:login"), {"username": "in_viewer", "password": TEST_PASSWORD}
    )
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
