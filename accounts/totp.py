"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): six digits from HMAC-SHA1 of
the number of 30-second steps since 1970, so any authenticator app (微信小程序, 手机令牌…)
that reads an otpauth:// QR code works with shequ."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

import segno

STEP = 30
DIGITS = 6
WINDOW = 1  # accept the step before and after, for a phone clock a little off
ISSUER = "shequ"


def new_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def hotp(secret: str, counter: int) -> str:
    mac = hmac.new(_key(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def step_at(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP)


def code_at(secret: str, at: float | None = None) -> str:
    return hotp(secret, step_at(at))


def matching_step(secret: str, code: str, *, after: int = 0, at: float | None = None) -> int | None:
    """The time step `code` belongs to, within the window around now and later than `after`
    (a code is good once); None if it matches none."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = step_at(at)
    for step in range(now - WINDOW, now + WINDOW + 1):
        if step > after and hmac.compare_digest(hotp(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, username: str) -> str:
    label = quote(f"{ISSUER}:{username}")
    query = urlencode({"secret": secret, "issuer": ISSUER, "digits": DIGITS, "period": STEP})
    return f"otpauth://totp/{label}?{query}"


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as inline SVG markup (no script, no data: URL)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
