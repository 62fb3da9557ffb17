"""Requests that carry what no page of ours sends."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger("shequ.request")


class OutOfRangeMiddleware:
    """A number past what the database can hold (an ID of 20 digits typed into a crafted
    post) reaches SQLite as an OverflowError from whichever query reads it first, in a form
    field of Django's or in our own code. It is bad input, not a fault of the server: answer
    400 with the page that says so. Forms read such values before any service writes, and a
    service writes in one transaction, so nothing was saved."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OverflowError):
            return None
        logger.warning("number out of range in %s %s: %s", request.method, request.path, exception)
        return render(request, "400.html", status=400)
