#!/usr/bin/env python3
"""The outage section: what a sick DynamoDB adds to a cached route's latency. Two fast-cache-demo
servers share one DynamoDB Local, one with the circuit breaker (the default) and one without;
DynamoDB Local is then hung (SIGSTOP, as a stalled network path or a long GC pause looks) and
killed (connection refused). Every request asks for a new key, so each is a miss that reads and
stores, the path a sick backend slows. Latencies are per request on one keep-alive connection,
against the uncached /plain on the same server in the same phase. DynamoDB Local is left stopped:
this section runs last.

    run.py FAST_CACHE_DEMO DYNAMODB_ENDPOINT SERVICES_SCRIPT REQUESTS OUT.json
"""
import http.client
import itertools
import json
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "http"))
from run import Demo  # noqa: E402

TABLE = "fast_cache_bench_outage"
fresh = itertools.count()


def latencies(url, path, n):
    """Milliseconds per request for n requests of path (N replaced by a new number each time)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    out = []
    for _ in range(n):
        target = path.replace("N", str(next(fresh)))
        start = time.perf_counter()
        connection.request("GET", target)
        answer = connection.getresponse()
        answer.read()
        out.append((time.perf_counter() - start) * 1e3)
        if answer.status != 200:
            sys.exit(f"outage: {target} answered {answer.status}")
    connection.close()
    return out


def summary(samples):
    ordered = sorted(samples)
    return {"n": len(ordered), "p50_ms": statistics.median(ordered),
            "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], "max_ms": ordered[-1]}


def phase(demo, n):
    """The cached route and /plain, interleaved in two halves so both see the same machine."""
    cached, plain = [], []
    for _ in range(2):
        cached += latencies(demo.url, "/expensive?x=N", n // 2)
        plain += latencies(demo.url, "/plain?x=N", n // 2)
    return {"cached": summary(cached), "plain": summary(plain)}


def main():
    demo_binary, endpoint, services, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5]
    n = int(sys.argv[4])
    backend = f"dynamodb://{TABLE}?region=us-east-1&endpoint={endpoint}"
    with_breaker = Demo(demo_binary, backend)
    without_breaker = Demo(demo_binary, backend + "&breaker=false")
    pid = int(pathlib.Path(os.environ["FAST_CACHE_SERVICES_DIR"], "dynamodb.pid").read_text())
    results = {}
    try:
        latencies(with_breaker.url, "/expensive?x=N", 200)  # warm-up: JIT, connection pools
        latencies(without_breaker.url, "/expensive?x=N", 200)
        results["healthy"] = phase(with_breaker, n)

        os.kill(pid, signal.SIGSTOP)
        try:
            # Each hung request costs its read budget: only a few, they take a fifth of a second.
            results["hung"] = phase(without_breaker, 20)
            latencies(with_breaker.url, "/expensive?x=N", 10)  # opens the breaker
            results["hung, breaker open"] = phase(with_breaker, n)
        finally:
            os.kill(pid, signal.SIGCONT)

        subprocess.run([services, "stop", "dynamodb"], check=True, stdout=subprocess.DEVNULL)
        results["dead"] = phase(without_breaker, n)
        latencies(with_breaker.url, "/expensive?x=N", 10)
        results["dead, breaker open"] = phase(with_breaker, n)
    finally:
        with_breaker.stop()
        without_breaker.stop()
    for name, r in results.items():
        added = r["cached"]["p50_ms"] - r["plain"]["p50_ms"]
        print(f"outage {name}: cached p50 {r['cached']['p50_ms']:.3f} ms p99 {r['cached']['p99_ms']:.3f} ms, "
              f"/plain p50 {r['plain']['p50_ms']:.3f} ms (+{added:.3f} ms)", file=sys.stderr)
    pathlib.Path(out).write_text(json.dumps({"requests": n, "results": results}, indent=1))


if __name__ == "__main__":
    main()
