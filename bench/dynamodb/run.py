#!/usr/bin/env python3
"""The DynamoDB section: on one server, GetItem and PutItem sequentially and with 16 in flight
through wrk (the server's ceiling), fast_cache, boto3 and the AWS SDK for JavaScript v3. Rounds
interleave the clients, so each ratio compares runs made minutes apart at most; every figure is the
median over the rounds. Writes one JSON object.

    run.py ENDPOINT BENCH_DYNAMODB SECONDS ROUNDS OUT.json

SECONDS is whole seconds per measurement (wrk takes no fractions).
"""
import json
import pathlib
import statistics
import subprocess
import sys

import common
import setup_table
from ceiling import OPERATIONS, ceiling

HERE = pathlib.Path(__file__).parent
IN_FLIGHT = (1, 16)


def run_json(command):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"dynamodb: {' '.join(command)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def warm_up(seconds):
    """Untimed calls before each measurement: connections, the JIT of node, boto3's caches."""
    return min(3, max(1, seconds // 3))


def clients(endpoint, bench_binary):
    """Each client as a function (op, in_flight, seconds) -> its JSON line."""
    w = common.WORKLOAD
    return {
        "wrk": lambda op, n, s: ceiling(endpoint, op, n, s),  # wrk starts warm: it has no caches to fill
        # In-flight 0 selects the sync API: sequential is how most callers use a cache.
        "fast_cache": lambda op, n, s: run_json([bench_binary, endpoint, w["table"], w["namespace"], w["key"],
                                                 str(w["value_bytes"]), op, str(0 if n == 1 else n),
                                                 str(warm_up(s)), str(s)]),
        "boto3": lambda op, n, s: run_json([sys.executable, str(HERE / "boto3_bench.py"), endpoint, op, str(n),
                                            str(warm_up(s)), str(s)]),
        # --no-warnings: the SDK warns about the Node version on every start.
        "js-sdk-v3": lambda op, n, s: run_json(["node", "--no-warnings", str(HERE / "js_bench.mjs"), endpoint, op,
                                                str(n), str(warm_up(s)), str(s)]),
    }


def median_of(samples):
    return {k: statistics.median(s[k] for s in samples) for k in ("ops_per_s", "cpu_us_per_op")}


def main():
    endpoint, bench_binary, out = sys.argv[1], sys.argv[2], sys.argv[5]
    seconds, rounds = int(sys.argv[3]), int(sys.argv[4])
    setup_table.create(endpoint)
    runners = clients(endpoint, bench_binary)
    # DynamoDB Local is a JVM: its JIT needs a while under load before the ceiling settles.
    for op in OPERATIONS:
        ceiling(endpoint, op, 16, max(2, seconds))
    samples = {}
    for r in range(rounds):
        for op in OPERATIONS:
            for n in IN_FLIGHT:
                for name, run in runners.items():
                    result = run(op, n, seconds)
                    samples.setdefault(op, {}).setdefault(str(n), {}).setdefault(name, []).append(result)
                    print(f"dynamodb round {r + 1}/{rounds}: {op} in-flight {n} {name}: "
                          f"{result['ops_per_s']:.0f} ops/s, {result['cpu_us_per_op']:.0f} us CPU/op", file=sys.stderr)
    result = {op: {n: {name: median_of(s) for name, s in by_client.items()} for n, by_client in by_n.items()}
              for op, by_n in samples.items()}
    pathlib.Path(out).write_text(json.dumps({"seconds": seconds, "rounds": rounds, "results": result,
                                             "samples": samples}, indent=1))


if __name__ == "__main__":
    main()
