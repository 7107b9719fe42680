"""Runs wrk and returns its rate, its own CPU time per request and its latency percentiles."""
import json
import pathlib
import resource
import subprocess
import sys

REPORT = pathlib.Path(__file__).parent / "wrk_report.lua"


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(url, connections, seconds, script=REPORT, script_args=()):
    """wrk with one thread per 32 connections (at least one): more threads than the machine's
    cores would only take CPU from the server under test. Exits on any failed request."""
    threads = max(1, min(2, connections // 32))
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(seconds)}s", "-s", str(script), url]
    if script_args:
        command += ["--", *script_args]
    cpu0 = _children_cpu()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"wrk failed: {' '.join(command)}\n{done.stderr}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if out["errors"] or out["non_2xx"] or not out["requests"]:
        sys.exit(f"wrk: {out['errors']} socket errors, {out['non_2xx']} non-2xx answers, {out['requests']} requests: "
                 f"{' '.join(command)}")
    return {"ops_per_s": out["requests"] * 1e6 / out["duration_us"], "requests": out["requests"],
            "cpu_us_per_op": (_children_cpu() - cpu0) * 1e6 / out["requests"],
            "p50_us": out["p50_us"], "p99_us": out["p99_us"]}
