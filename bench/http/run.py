#!/usr/bin/env python3
"""The HTTP section: wrk against fast-cache-demo, the uncached /plain route (the framework's
ceiling) against a cached hit on /expensive with the memory://, the tiered:// (memory:// in front
of DynamoDB) and the dynamodb:// backend, at 1 and 64 connections; and, side by side, nginx
answering the same body from its config (the server's ceiling; one worker, as the demo has one
thread) and wrk's GetItem ceiling on the same DynamoDB Local, which bounds a DynamoDB-backed hit.
Every cached run reads the demo's /stats before and after, and records the share of its requests
that were hits. Rounds interleave the runs; every figure is the median over rounds. Writes one
JSON object.

    run.py FAST_CACHE_DEMO DYNAMODB_ENDPOINT SECONDS ROUNDS OUT.json
"""
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "common"))
sys.path.insert(0, str(HERE.parent / "dynamodb"))
import wrk  # noqa: E402
from ceiling import ceiling  # noqa: E402
from nginx import Nginx  # noqa: E402

CONNECTIONS = (1, 64)
# One server thread and one nginx worker: on two cores, the other core is wrk's.
THREADS = 1
TABLE = "fast_cache_bench_http"
# The tier's L2 has a table of its own, so neither server's writes (a miss, an L1 refresh) ever
# meet the other's reads.
TIERED_TABLE = "fast_cache_bench_http_tiered"
# TieredOptions' default, given explicitly so the record says what was measured: each hot key is
# read from DynamoDB once per 2 s, the rest of its hits are L1's.
TIERED_MAX_STALENESS_MS = 2000


def dynamodb_url(table, endpoint):
    return f"dynamodb://{table}?region=us-east-1&endpoint={endpoint}"


def tiered_url(endpoint):
    """L1 memory://, L2 DynamoDB: both inner URLs percent-encoded whole, as tiered:// reads them."""
    l1 = urllib.parse.quote("memory://", safe="")
    l2 = urllib.parse.quote(dynamodb_url(TIERED_TABLE, endpoint), safe="")
    return f"tiered://?l1={l1}&l2={l2}&max_staleness_ms={TIERED_MAX_STALENESS_MS}"


class Demo:
    """A fast-cache-demo process on an ephemeral port."""

    def __init__(self, binary, backend, threads=None, prefix=()):
        # The same dummy credentials as every other DynamoDB client here (DynamoDB Local checks no
        # signature, but it rejects access keys that are not alphanumeric).
        env = dict(os.environ, AWS_ACCESS_KEY_ID="fake", AWS_SECRET_ACCESS_KEY="fake")
        # A file, not a pipe nobody reads: the demo logs every cache error, and with a sick backend
        # a full pipe would block it.
        self.log = tempfile.TemporaryFile(mode="w+")
        command = [*prefix, binary, "--host", "127.0.0.1", "--port", "0", "--backend", backend]
        if threads:
            command += ["--threads", str(threads)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log, text=True, env=env)
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

    def stats(self):
        with urllib.request.urlopen(self.url + "/stats") as answer:
            return json.loads(answer.read())

    def hits(self, url, connections, seconds):
        """wrk on a cached route, with the share of its requests the cache answered as hits."""
        before = self.stats()["hits"]
        result = wrk.run(url, connections, seconds)
        result["hit_share"] = (self.stats()["hits"] - before) / result["requests"]
        return result

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def main():
    demo_binary, endpoint, out = sys.argv[1], sys.argv[2], sys.argv[5]
    seconds, rounds = int(sys.argv[3]), int(sys.argv[4])
    memory = Demo(demo_binary, "memory://", THREADS)
    dynamodb = Demo(demo_binary, dynamodb_url(TABLE, endpoint), THREADS)
    tiered = Demo(demo_binary, tiered_url(endpoint), THREADS)
    nginx = Nginx(THREADS)
    try:
        for demo in (memory, tiered, dynamodb):
            demo.cached_hit("/expensive?x=1")
        # tiered_hit right after memory_hit: the pair the near-cache target compares.
        targets = {
            "nginx": lambda n: wrk.run(nginx.url + "/plain?x=1", n, seconds),
            "plain": lambda n: wrk.run(memory.url + "/plain?x=1", n, seconds),
            "memory_hit": lambda n: memory.hits(memory.url + "/expensive?x=1", n, seconds),
            "tiered_hit": lambda n: tiered.hits(tiered.url + "/expensive?x=1", n, seconds),
            "dynamodb_hit": lambda n: dynamodb.hits(dynamodb.url + "/expensive?x=1", n, seconds),
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
        tiered.stop()
        dynamodb.stop()
        nginx.stop()
    result = {n: {name: {"ops_per_s": statistics.median(s["ops_per_s"] for s in runs),
                         # The worst round's: a run with misses in it is not a run of hits.
                         **({"hit_share": min(s["hit_share"] for s in runs)} if "hit_share" in runs[0] else {})}
                  for name, runs in by_name.items()}
              for n, by_name in samples.items()}
    pathlib.Path(out).write_text(json.dumps({"seconds": seconds, "rounds": rounds, "threads": THREADS,
                                             "results": result,
                                             "tiered_max_staleness_ms": TIERED_MAX_STALENESS_MS,
                                             "samples": samples}, indent=1))


if __name__ == "__main__":
    main()
