#!/usr/bin/env python3
"""Stale-while-revalidate under load: wrk's p50 and p99 of /swr (a 500 ms function behind a 1 s
expiry with a 60 s stale-while-revalidate window), /slow (the same without the window) and a plain
cached hit, /expensive, on one memory:// demo server; each route in turn under the same steady,
paced load (paced.lua), long enough for several expiries. Rounds interleave the routes; every
figure is the median over rounds. Writes one JSON object.

    swr.py FAST_CACHE_DEMO SECONDS ROUNDS OUT.json
"""
import json
import pathlib
import statistics
import sys
import urllib.request

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "common"))
import wrk  # noqa: E402
from run import Demo  # noqa: E402

ROUTES = {"hit": "/expensive?x=1", "swr": "/swr?x=7", "slow": "/slow?x=7"}
CONNECTIONS = 8
# 8 connections pausing 25 ms: about 300 requests/s. Each expiry of /slow holds up one request
# per connection, 8 of the about 320 made between expiries (1 s fresh + 0.5 s computing), which
# puts them above the 99th percentile with some margin; a faster pace would hide them below it.
PAUSE_MS = 25


def computed(demo, path):
    """The demo's count of slow computations (both routes') when path's cached result was made;
    None for /expensive, which has no count. Its change over a run tells how many refreshes ran."""
    with urllib.request.urlopen(demo.url + path) as answer:
        return json.loads(answer.read()).get("computed")


def measure(demo, path, seconds, seen):
    """wrk on path, and the computations made during the run where path has a count. seen: the
    highest count read so far, returned updated; a stale /swr answer carries the count of when it
    was computed, older than the /slow computations made since."""
    before = computed(demo, path)
    result = wrk.run(demo.url + path, CONNECTIONS, seconds, HERE / "paced.lua", (str(PAUSE_MS),))
    after = computed(demo, path)
    if before is None:
        result["computations"] = None
        return result, seen
    result["computations"] = after - max(before, seen)
    return result, max(seen, after)


def main():
    demo_binary, seconds, rounds, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    demo = Demo(demo_binary, "memory://")
    samples, seen = {}, 0
    try:
        # Warm-up: /expensive a cache hit; measure()'s first read computes each slow function before wrk.
        demo.cached_hit(ROUTES["hit"])
        for r in range(rounds):
            for name, path in ROUTES.items():
                result, seen = measure(demo, path, seconds, seen)
                samples.setdefault(name, []).append(result)
                print(f"swr round {r + 1}/{rounds}: {path}: {result['ops_per_s']:.0f} requests/s, "
                      f"p50 {result['p50_us'] / 1000:.2f} ms, p99 {result['p99_us'] / 1000:.2f} ms, "
                      f"{result['computations']} computations", file=sys.stderr)
    finally:
        demo.stop()
    result = {name: {k: statistics.median(s[k] for s in runs) for k in ("ops_per_s", "p50_us", "p99_us")}
              for name, runs in samples.items()}
    pathlib.Path(out).write_text(json.dumps({"seconds": seconds, "rounds": rounds, "connections": CONNECTIONS,
                                             "pause_ms": PAUSE_MS, "routes": ROUTES, "results": result,
                                             "samples": samples}, indent=1))


if __name__ == "__main__":
    main()
