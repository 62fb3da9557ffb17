"""A plain HTTP client for tests against a live server: its own cookies, the CSRF token taken
from the page it loaded, and the page's forms read as a browser would submit them. Two of these
are two people at two computers; nothing is shared with Django's test client but the session
each is started with."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

from django.conf import settings
from django.test import Client


@dataclass
class PageForm:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # every named control, filled or not

    def values(self, **changes: str) -> list[tuple[str, str]]:
        """What submitting the form sends, with `changes` replacing (or adding) fields."""
        kept = [(k, v) for k, v in self.fields if k not in changes]
        return kept + [(k, str(v)) for k, v in changes.items()]


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: str | None = None
        self._multiple = False
        self._options: list[tuple[str, bool]] = []
        self._option: list[str] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = PageForm(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            self._form.names.append(name)
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._form.names.append(name)
            self._select, self._options = name, []
            self._multiple = "multiple" in a
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]  # value, selected, text
            self._options.append(self._option)
        elif tag == "textarea" and name:
            self._form.names.append(name)
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)
        elif self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = [o for o in self._options if o[1]]
            if not chosen and self._options and not self._multiple:
                chosen = self._options[:1]
            for value, _selected, text in chosen:
                self._form.fields.append((self._select, text.strip() if value is None else value))
            self._select = None


def forms_of(html: str) -> list[PageForm]:
    reader = _FormReader()
    reader.feed(html)
    return reader.forms


@dataclass
class Response:
    status: int
    text: str
    location: str = ""

    def form(self, action_contains: str = "") -> PageForm:
        """The page's POST form whose action contains `action_contains` (the page's own form
        has an empty action)."""
        posts = [f for f in forms_of(self.text) if f.method == "post"]
        if action_contains:
            posts = [f for f in posts if action_contains in f.action]
        else:
            posts = [f for f in posts if f.action in ("", "?")] or posts
        assert posts, f"no POST form {action_contains!r} on the page"
        return posts[0]


class _Refuse(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


class Person:
    """One user at one computer, logged in with a session of their own."""

    def __init__(self, base_url: str, user) -> None:
        self.base = base_url
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_Refuse)
        client = Client()
        client.force_login(user)  # a session row of its own, as a login from that computer
        self.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[
            settings.SESSION_COOKIE_NAME
        ].value

    def _send(self, request: urllib.request.Request) -> Response:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            answer = self.opener.open(request, timeout=120)
        except urllib.error.HTTPError as error:
            answer = error
        for header in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        body = answer.read().decode("utf-8", "replace")
        return Response(answer.status, body, answer.headers.get("Location", ""))

    def get(self, path: str) -> Response:
        return self._send(urllib.request.Request(urljoin(self.base, path)))  # noqa: S310 - the live server

    def post(self, path: str, data) -> Response:
        """POST `data` (pairs or a dict) as a browser would, the CSRF token and the page it
        came from included."""
        url = urljoin(self.base, path)
        body = urlencode(list(data.items()) if isinstance(data, dict) else data).encode()
        request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - as above
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        request.add_header("Referer", url)
        request.add_header("Origin", origin)
        return self._send(request)

    def submit(self, path: str, form: PageForm, **changes) -> Response:
        return self.post(urljoin(urljoin(self.base, path), form.action), form.values(**changes))


def at_once(*calls) -> list[Response]:
    """Run the calls in threads released together; their answers in the calls' order."""
    start = threading.Barrier(len(calls))
    answers: list[Response | BaseException | None] = [None] * len(calls)

    def run(i, call):
        start.wait()
        try:
            answers[i] = call()
        except BaseException as exc:  # handed to the test thread below
            answers[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for answer in answers:
        if isinstance(answer, BaseException):
            raise answer
    return answers  # type: ignore[return-value]
