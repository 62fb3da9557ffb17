"""Concurrent clients against a running server: `python -m bench.load PLAN.json`.

The plan names the server's port, one session cookie per client and the pages to request.
For each page in turn, every client (a thread with its own connection and session) requests it
`rounds` times, all clients at once; the latency of every request is kept. Any answer but 200,
or one without the text the plan expects of that page (`expect`: e.g. the link to the resident
a search must find), fails the run: a fast error or a fast wrong answer is not a fast page.
Prints one JSON line: p50 and p95 per page.

No Django here: the clients are as plain as a browser, and their process is not the server's.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time


def _client(
    port: int,
    cookie: str,
    path: str,
    expect: bytes,
    rounds: int,
    start: threading.Barrier,
    out: list,
):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Cookie": cookie, "Accept-Language": "zh-hans"}
    start.wait()
    for _ in range(rounds):
        began = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        took = time.perf_counter() - began
        if response.status != 200 or not body:
            out.append(("error", f"{path}: HTTP {response.status}"))
            return
        if expect not in body:
            out.append(("error", f"{path}: the answer lacks {expect.decode()!r}"))
            return
        out.append(("ok", took))
    connection.close()


def measure(port: int, cookies: list[str], path: str, rounds: int, expect: str = "") -> dict:
    start = threading.Barrier(len(cookies))
    results: list = []
    wanted = expect.encode()
    threads = [
        threading.Thread(target=_client, args=(port, cookie, path, wanted, rounds, start, results))
        for cookie in cookies
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    errors = [value for kind, value in results if kind == "error"]
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, the first: {errors[0]}")
    times = sorted(value for _, value in results)
    return {
        "requests": len(times),
        "p50": times[len(times) // 2] * 1000,
        "p95": times[min(len(times) - 1, int(len(times) * 0.95))] * 1000,
        "per_second": len(times) / wall,
    }


def main() -> None:
    plan = json.loads(open(sys.argv[1], encoding="utf-8").read())  # noqa: SIM115
    cookies = plan["cookies"]
    expect = plan.get("expect", {})
    # Every page once per client first: the workers' caches warm, as on a server in use.
    for name, path in plan["pages"].items():
        measure(plan["port"], cookies, path, 1, expect.get(name, ""))
    pages = {
        name: measure(plan["port"], cookies, path, plan["rounds"], expect.get(name, ""))
        for name, path in plan["pages"].items()
    }
    print(json.dumps({"clients": len(cookies), "pages": pages}), flush=True)


if __name__ == "__main__":
    main()
