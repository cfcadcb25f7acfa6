"""A small closed-loop HTTP load generator (threads, http.client, one connection per request
as gunicorn's sync workers would close them). Usage (JSON on stdin):

    {"host": "127.0.0.1", "port": 8000, "method": "GET", "requests": [[path, body], ...],
     "headers": {...}, "concurrency": 64, "seconds": 5}

Prints one JSON line: requests, rps, p50/p99 ms, status counts. Each request is used once
(join submissions must not repeat); the run stops early when they run out."""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time


def main() -> None:
    spec = json.load(sys.stdin)
    items = spec["requests"]
    lock = threading.Lock()
    state = {"next": 0}
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    deadline = time.perf_counter() + spec["seconds"]
    headers = spec.get("headers", {})

    def worker():
        while time.perf_counter() < deadline:
            with lock:
                i = state["next"]
                if i >= len(items):
                    return
                state["next"] = i + 1
            path, body = items[i]
            data = json.dumps(body).encode() if body is not None else None
            h = dict(headers)
            if data is not None:
                h["Content-Type"] = "application/json"
            t0 = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(spec["host"], spec["port"], timeout=30)
                conn.request(spec["method"], path, body=data, headers=h)
                resp = conn.getresponse()
                resp.read()
                conn.close()
                code = str(resp.status)
            except Exception:
                code = "error"
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                statuses[code] = statuses.get(code, 0) + 1

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(spec["concurrency"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    latencies.sort()

    def pct(p):
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1)

    print(
        json.dumps(
            {
                "requests": len(latencies),
                "seconds": round(wall, 2),
                "rps": round(len(latencies) / wall, 1) if wall else None,
                "p50_ms": pct(0.50),
                "p99_ms": pct(0.99),
                "statuses": statuses,
                "exhausted": state["next"] >= len(items),
            }
        )
    )


if __name__ == "__main__":
    main()
