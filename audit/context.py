"""Where the current request came from, for the audit rows written while serving it."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    ip: str | None = None
    user_agent: str = ""


current_origin: ContextVar[Origin | None] = ContextVar("audit_origin", default=None)
