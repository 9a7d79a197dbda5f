#!/usr/bin/env python3
"""Cold start of a Gatehouse Lambda binary through a fake Lambda Runtime API.

Cold start = from just before the process is spawned to the moment the fake Runtime
API receives the function's first response (POST .../invocation/<id>/response). The
fake API serves one event on 127.0.0.1 (a free port), then holds the next
`invocation/next` request open until the process is killed, which is what Lambda
does between invocations. Peak RSS is read from /proc/<pid>/status (VmHWM) just
before the kill, and checked once more under `/usr/bin/time -v` (its "Maximum
resident set size").

    scripts/bench-cold-start.py BINARY EVENT.json [--runs N] [--env K=V ...]

Example (release build first: `cargo build --release -p prompt-preprocessor`):

    scripts/bench-cold-start.py target/release/prompt-preprocessor \
        events/prompt-preprocessor/benign.json --runs 30

Prints one JSON object: runs, cold start p50/p90/max in ms, peak RSS in MB, and the
first response. Only loopback is used.
"""

import argparse
import http.server
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

PREFIX = "/2018-06-01/runtime"


class FakeRuntimeApi:
    """One event per process run; records when the first response arrives."""

    def __init__(self, event: bytes):
        self.event = event
        self.responded = threading.Event()
        self.stop = threading.Event()
        self.response = None
        self.response_at = None
        self.served = 0
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _reply(self, status, body=b"", headers=None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != PREFIX + "/invocation/next":
                    return self._reply(404)
                if api.served > 0:
                    # Lambda freezes the process here; we hold the request until killed.
                    api.stop.wait(30)
                    return self._reply(500)
                api.served += 1
                deadline = int(time.time() * 1000) + 30_000
                self._reply(200, api.event, {
                    "Content-Type": "application/json",
                    "Lambda-Runtime-Aws-Request-Id": "bench-req-1",
                    "Lambda-Runtime-Deadline-Ms": str(deadline),
                    "Lambda-Runtime-Invoked-Function-Arn":
                        "arn:aws:lambda:eu-west-1:123456789012:function:bench",
                    "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
                })

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0") or 0)
                body = self.rfile.read(length) if length else b""
                if self.path.endswith("/response") or self.path.endswith("/error"):
                    if api.response_at is None:
                        api.response_at = time.perf_counter()
                        api.response = (self.path.rsplit("/", 1)[-1], body)
                        api.responded.set()
                    return self._reply(202, b'{"status":"OK"}', {"Content-Type": "application/json"})
                return self._reply(202, b'{"status":"OK"}', {"Content-Type": "application/json"})

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # the function is killed mid-request on purpose

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


def lambda_env(port, extra):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/bench",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_REGION": "eu-west-1",
        "ALLOWED_REGIONS": "eu-west-1",
        "GATEHOUSE_REDACTION_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "GATEHOUSE_LOG": "warn",
    }
    env.update(extra)
    return env


def vm_hwm_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            m = re.search(r"VmHWM:\s+(\d+) kB", f.read())
            return int(m.group(1)) if m else None
    except OSError:
        return None


def one_run(binary, event, extra, under_time=False):
    api = FakeRuntimeApi(event)
    cmd = (["/usr/bin/time", "-v"] if under_time else []) + [binary]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=lambda_env(api.port, extra), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not api.responded.wait(20):
            raise RuntimeError("no response within 20 s: " + proc.stderr.read(4000).decode(errors="replace")
                               if proc.poll() is not None else "no response within 20 s")
        cold_ms = (api.response_at - t0) * 1000
        target = proc.pid
        if under_time:
            children = open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()
            target = int(children[0]) if children else proc.pid
        hwm = vm_hwm_kb(target)
        os.kill(target, signal.SIGKILL)
        _, err = proc.communicate(timeout=10)
        time_rss = None
        if under_time:
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err.decode(errors="replace"))
            time_rss = int(m.group(1)) if m else None
        return cold_ms, hwm, time_rss, api.response
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        api.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary")
    ap.add_argument("event")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--env", action="append", default=[], help="extra K=V for the function")
    args = ap.parse_args()
    extra = dict(kv.split("=", 1) for kv in args.env)
    with open(args.event, "rb") as f:
        event = f.read()
    one_run(args.binary, event, extra)  # warm the page cache; not counted
    colds, hwms = [], []
    response = None
    for _ in range(args.runs):
        cold, hwm, _, response = one_run(args.binary, event, extra)
        colds.append(cold)
        if hwm:
            hwms.append(hwm)
    _, _, time_rss, _ = one_run(args.binary, event, extra, under_time=True)
    colds.sort()
    kind, body = response
    print(json.dumps({
        "binary": args.binary,
        "binary_bytes": os.path.getsize(args.binary),
        "event": args.event,
        "runs": args.runs,
        "cold_start_ms": {
            "p50": round(statistics.median(colds), 2),
            "p90": round(colds[min(len(colds) - 1, int(len(colds) * 0.9))], 2),
            "max": round(colds[-1], 2),
        },
        "peak_rss_mb": {
            "vmhwm_max": round(max(hwms) / 1024, 2) if hwms else None,
            "usr_bin_time_v": round(time_rss / 1024, 2) if time_rss else None,
        },
        "first_response": {"kind": kind, "body": json.loads(body) if body else None},
    }, indent=2))


if __name__ == "__main__":
    sys.exit(main())
