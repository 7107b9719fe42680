#!/usr/bin/env python3
"""The HTTP section: wrk against fast-cache-demo, the uncached /plain route (the framework's
ceiling) against a cached hit on /expensive with the memory:// and the dynamodb:// backend, at 1
and 64 connections; and, side by side, wrk's GetItem ceiling on the same DynamoDB Local, which
bounds a DynamoDB-backed hit. Rounds interleave the runs; every figure is the median over rounds.
Writes one JSON object.

    run.py FAST_CACHE_DEMO DYNAMODB_ENDPOINT SECONDS ROUNDS OUT.json
"""
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import urllib.request

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "common"))
sys.path.insert(0, str(HERE.parent / "dynamodb"))
import wrk  # noqa: E402
from ceiling import ceiling  # noqa: E402

CONNECTIONS = (1, 64)
TABLE = "fast_cache_bench_http"


class Demo:
    """A fast-cache-demo process on an ephemeral port."""

    def __init__(self, binary, backend):
        # The same dummy credentials as every other DynamoDB client here (DynamoDB Local checks no
        # signature, but it rejects access keys that are not alphanumeric).
        env = dict(os.environ, AWS_ACCESS_KEY_ID="fake", AWS_SECRET_ACCESS_KEY="fake")
        # A file, not a pipe nobody reads: the demo logs every cache error, and with a sick backend
        # a full pipe would block it.
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", "0", "--backend", backend],
                                        stdout=subprocess.PIPE, stderr=self.log, text=True, env=env)
        line = self.process.stdout.readline()
        if not line.startswith("listening on "):
            self.process.kill()
            self.log.seek(0)
            sys.exit(f"http: fast-cache-demo --backend {backend} did not start: {self.log.read()}")
        self.url = line.split()[-1]

    def cached_hit(self, path):
        """Requests path until it is a cache hit, so wrk measures hits only."""
        for _ in range(3):
            with urllib.request.urlopen(self.url + path) as answer:
                if answer.headers.get("X-Cache") == "HIT":
                    return
        sys.exit(f"http: {self.url}{path} is not served from the cache")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def main():
    demo_binary, endpoint, out = sys.argv[1], sys.argv[2], sys.argv[5]
    seconds, rounds = int(sys.argv[3]), int(sys.argv[4])
    memory = Demo(demo_binary, "memory://")
    dynamodb = Demo(demo_binary, f"dynamodb://{TABLE}?region=us-east-1&endpoint={endpoint}")
    try:
        for demo in (memory, dynamodb):
            demo.cached_hit("/expensive?x=1")
        targets = {
            "plain": lambda n: wrk.run(memory.url + "/plain?x=1", n, seconds),
            "memory_hit": lambda n: wrk.run(memory.url + "/expensive?x=1", n, seconds),
            "dynamodb_hit": lambda n: wrk.run(dynamodb.url + "/expensive?x=1", n, seconds),
            "dynamodb_wrk_getitem": lambda n: ceiling(endpoint, "get", n, seconds),
        }
        # Warm-up: DynamoDB Local's JIT, the demo's connection pool.
        targets["dynamodb_hit"](64)
        samples = {}
        for r in range(rounds):
            for n in CONNECTIONS:
                for name, run in targets.items():
                    result = run(n)
                    samples.setdefault(str(n), {}).setdefault(name, []).append(result)
                    print(f"http round {r + 1}/{rounds}: {n} connections {name}: {result['ops_per_s']:.0f} requests/s",
                          file=sys.stderr)
    finally:
        memory.stop()
        dynamodb.stop()
    result = {n: {name: {"ops_per_s": statistics.median(s["ops_per_s"] for s in runs)}
                  for name, runs in by_name.items()}
              for n, by_name in samples.items()}
    pathlib.Path(out).write_text(json.dumps({"seconds": seconds, "rounds": rounds, "results": result,
                                             "samples": samples}, indent=1))


if __name__ == "__main__":
    main()
