#!/usr/bin/env python3
"""moto's own PutLogEvents cost, without the audit logger.

Starts `.tools/venv/bin/moto_server` (or $GATEHOUSE_MOTO) on a free loopback port and
times raw PutLogEvents calls (plain HTTP + JSON, as an SDK sends them) of about 1 MB:
10,000 events of 78 bytes (the count limit) and 1,600 events of 600 bytes (the size
of an audit record; the byte limit). Then the same calls from 2 and 4 client threads,
each on its own stream, to see whether moto ingests more in parallel.

    .tools/venv/bin/python scripts/bench-moto-logs.py [CALLS]      # CALLS per case, default 8

With --profile, also runs moto in this process under cProfile (werkzeug test client,
no HTTP) for one 10,000-event call and prints the top functions by cumulative time.
Run with the venv's Python (it imports moto for --profile only).
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MOTO = os.environ.get("GATEHOUSE_MOTO") or os.path.join(ROOT, ".tools/venv/bin/moto_server")
HEADERS = {
    "Content-Type": "application/x-amz-json-1.1",
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/logs/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Logs:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, target, body):
        headers = dict(HEADERS, **{"X-Amz-Target": "Logs_20140328." + target})
        self.conn.request("POST", "/", body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{target}: HTTP {resp.status}: {data[:300]!r}")
        return data


def put_body(stream, n, size):
    now = int(time.time() * 1000)
    events = [{"timestamp": now, "message": "x" * size} for _ in range(n)]
    return json.dumps({"logGroupName": "g", "logStreamName": stream, "logEvents": events}).encode()


def run_case(port, n, size, calls, threads):
    streams = [f"s-{n}-{size}-{threads}-{t}" for t in range(threads)]
    setup = Logs(port)
    for s in streams:
        setup.call("CreateLogStream", json.dumps({"logGroupName": "g", "logStreamName": s}))
    bodies = {s: put_body(s, n, size) for s in streams}
    per_call = []

    def worker(stream):
        logs = Logs(port)
        for _ in range(calls):
            t = time.perf_counter()
            logs.call("PutLogEvents", bodies[stream])
            per_call.append(time.perf_counter() - t)

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(s,)) for s in streams]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - started
    per_call.sort()
    median = per_call[len(per_call) // 2]
    events = n * calls * threads
    print(
        f"{n:>6} events x {size:>3} B ({len(next(iter(bodies.values()))) / 1e6:.2f} MB body), "
        f"{threads} client(s): median call {median * 1000:6.1f} ms, "
        f"{events / wall:8.0f} events/s overall ({events} events in {wall:.2f} s)",
        flush=True,
    )


def profile():
    import cProfile
    import pstats

    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.test import Client

    client = Client(DomainDispatcherApplication(create_backend_app))

    def call(target, body):
        headers = dict(HEADERS, **{"X-Amz-Target": "Logs_20140328." + target, "Host": "logs.us-east-1.amazonaws.com"})
        resp = client.post("/", data=body, headers=headers)
        assert resp.status_code == 200, resp.get_data()[:300]

    call("CreateLogGroup", json.dumps({"logGroupName": "g"}))
    call("CreateLogStream", json.dumps({"logGroupName": "g", "logStreamName": "p"}))
    body = put_body("p", 10_000, 78)
    call("PutLogEvents", body)  # warm-up
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    for _ in range(5):
        call("PutLogEvents", body)
    prof.disable()
    print(f"\nin-process (no HTTP), 5 calls of 10,000 events: {(time.perf_counter() - t) / 5 * 1000:.1f} ms/call under cProfile")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    calls = int(args[0]) if args else 8
    port = free_port()
    env = dict(os.environ, MOTO_PORT=str(port), NO_PROXY="127.0.0.1,localhost")
    server = subprocess.Popen(
        [MOTO, "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        while True:
            try:
                Logs(port).call("CreateLogGroup", json.dumps({"logGroupName": "g"}))
                break
            except (OSError, http.client.HTTPException):
                if time.time() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        print(f"moto_server {MOTO} on 127.0.0.1:{port}, {calls} calls per client")
        for n, size in [(10_000, 78), (1_600, 600)]:
            for threads in (1, 2, 4):
                run_case(port, n, size, calls, threads)
    finally:
        server.terminate()
        server.wait()
    if "--profile" in sys.argv:
        profile()


if __name__ == "__main__":
    main()
