#!/usr/bin/env python3
"""Turns the sections' results into the report: a table, one line per target with PASS or FAIL,
the JSON record and the chart's data.

    report.py RESULTS_DIR COMMAND MACHINE OUT.json CHART_DATA_DIR

RESULTS_DIR holds memory.json (Google Benchmark's JSON), stampede.json, dynamodb.json,
http.json and outage.json. Exits 0 whether targets pass or not: a FAIL is a finding, not a broken run.
"""
import datetime
import json
import pathlib
import sys


def load(directory, name):
    return json.loads((directory / name).read_text())


def memory_rates(bench):
    """(operation, entries, store, threads) -> items per second; the median when repeated."""
    rates = {}
    for b in bench["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        operation, store, entries = b["run_name"].split("/")[:3]
        rates[(operation, int(entries), store, b["threads"])] = b["items_per_second"]
    return rates


class Targets:
    def __init__(self):
        self.rows = []

    def add(self, name, measured, goal, at_least, unit=""):
        passed = measured >= goal if at_least else measured <= goal
        # Margin over the goal, >= 1 when passing, whichever way the goal points: the chart's bar.
        margin = (measured / goal if at_least else goal / measured) if measured and goal else 0.0
        self.rows.append({"name": name, "measured": measured, "goal": goal, "unit": unit,
                          "comparison": ">=" if at_least else "<=", "pass": passed, "margin": margin})


def size_label(entries):
    return f"{entries // 1048576}M" if entries >= 1048576 else f"{entries // 1024}K"


def memory_section(rates, targets, lines):
    lines.append("In-memory backend (Google Benchmark; 30-byte keys, 100-byte values)")
    lines.append(f"  {'operation':9} {'entries':>7} {'ns/op 1t':>9} {'ns/op 2t':>9} {'base ns/op 1t':>13} "
                 f"{'base ns/op 2t':>13} {'2t/1t':>6} {'vs base 2t':>10}")
    for operation in ("get_hit", "set", "mix"):
        for entries in sorted({k[1] for k in rates}):
            r = {(s, t): rates.get((operation, entries, s, t), 0.0) for s in ("memory", "baseline") for t in (1, 2)}
            if not r[("memory", 1)]:
                continue
            ns = {k: 1e9 / v if v else float("nan") for k, v in r.items()}
            scaling = r[("memory", 2)] / r[("memory", 1)]
            vs_base = r[("memory", 2)] / r[("baseline", 2)] if r[("baseline", 2)] else 0.0
            lines.append(f"  {operation:9} {size_label(entries):>7} {ns[('memory', 1)]:9.1f} {ns[('memory', 2)]:9.1f} "
                         f"{ns[('baseline', 1)]:13.1f} {ns[('baseline', 2)]:13.1f} {scaling:5.2f}x {vs_base:9.2f}x")
            where = f"memory {operation} {size_label(entries)}"
            if operation == "get_hit" and entries == 16384:
                targets.add(f"{where} 1 thread ns/op", ns[("memory", 1)], 100, at_least=False, unit=" ns")
            targets.add(f"{where} 2 threads / 1 thread", scaling, 1.5, at_least=True, unit="x")
            targets.add(f"{where} 2 threads vs baseline", vs_base, 2.0, at_least=True, unit="x")


CLIENTS = ("wrk", "fast_cache", "boto3", "js-sdk-v3")


def dynamodb_section(d, targets, lines, reports):
    lines.append("DynamoDB client on DynamoDB Local (100-byte values; ops/s, and client CPU us/op in brackets)")
    header = " ".join(f"{c:>20}" for c in CLIENTS)
    lines.append(f"  {'operation':9} {'in flight':>9} {header} {'fast_cache/wrk':>14}")
    for op, name in (("get", "GetItem"), ("put", "PutItem")):
        for n in ("1", "16"):
            c = d[op][n]
            cells = " ".join(f"{c[k]['ops_per_s']:10.0f} ({c[k]['cpu_us_per_op']:6.1f})" for k in CLIENTS)
            of_wrk = c["fast_cache"]["ops_per_s"] / c["wrk"]["ops_per_s"]
            lines.append(f"  {name:9} {n:>9} {cells} {of_wrk:13.0%}")
            mode = "sequential" if n == "1" else "16 in flight"
            targets.add(f"dynamodb {name} {mode} / wrk {n} connection{'s' if n != '1' else ''}", of_wrk,
                        0.85 if n == "1" else 0.90, at_least=True, unit="%")
            if n == "1":
                targets.add(f"dynamodb {name} sequential / boto3",
                            c["fast_cache"]["ops_per_s"] / c["boto3"]["ops_per_s"], 4.0, at_least=True, unit="x")
            targets.add(f"dynamodb {name} {mode} CPU/op / boto3's",
                        c["fast_cache"]["cpu_us_per_op"] / c["boto3"]["cpu_us_per_op"], 0.10, at_least=False, unit="%")
            reports.append({"name": f"dynamodb {name} {mode} / js-sdk-v3",
                            "measured": c["fast_cache"]["ops_per_s"] / c["js-sdk-v3"]["ops_per_s"], "unit": "x"})


def http_section(h, targets, lines, reports):
    lines.append("HTTP: wrk against fast-cache-demo (requests/s)")
    lines.append(f"  {'connections':>11} {'/plain':>9} {'memory hit':>11} {'of plain':>8} {'dynamodb hit':>12} "
                 f"{'wrk GetItem':>11} {'of wrk':>7}")
    for n, r in sorted(h.items(), key=lambda kv: int(kv[0])):
        rate = {k: v["ops_per_s"] for k, v in r.items()}
        of_plain = rate["memory_hit"] / rate["plain"]
        of_wrk = rate["dynamodb_hit"] / rate["dynamodb_wrk_getitem"]
        lines.append(f"  {n:>11} {rate['plain']:9.0f} {rate['memory_hit']:11.0f} {of_plain:8.0%} "
                     f"{rate['dynamodb_hit']:12.0f} {rate['dynamodb_wrk_getitem']:11.0f} {of_wrk:7.0%}")
        targets.add(f"http memory:// hit / /plain, {n} connection{'s' if n != '1' else ''}", of_plain, 0.90,
                    at_least=True, unit="%")
        reports.append({"name": f"http dynamodb:// hit / wrk GetItem ceiling, {n} connection{'s' if n != '1' else ''}",
                        "measured": of_wrk, "unit": "%"})


# DynamoDB's default budgets (DynamoDBOptions): a miss may cost one read and one write budget.
READ_BUDGET_MS, WRITE_BUDGET_MS = 200, 400


def outage_section(o, targets, lines, reports):
    lines.append(f"Outage: a cached route's misses with DynamoDB Local sick ({o['requests']} requests a phase; ms)")
    lines.append(f"  {'backend':20} {'cached p50':>10} {'cached p99':>10} {'/plain p50':>10} {'added p50':>9}")
    for name, r in o["results"].items():
        added = r["cached"]["p50_ms"] - r["plain"]["p50_ms"]
        lines.append(f"  {name:20} {r['cached']['p50_ms']:10.3f} {r['cached']['p99_ms']:10.3f} "
                     f"{r['plain']['p50_ms']:10.3f} {added:9.3f}")
        if name == "healthy":  # a real round trip to the server: the baseline, not a goal
            reports.append({"name": "outage healthy: added p50", "measured": added, "unit": " ms"})
        elif name == "hung":
            targets.add("outage hung: cached p99 (read + write budget)", r["cached"]["p99_ms"],
                        READ_BUDGET_MS + WRITE_BUDGET_MS, at_least=False, unit=" ms")
        elif name == "dead":
            targets.add("outage dead, no breaker: added p50", added, 5.0, at_least=False, unit=" ms")
        else:
            targets.add(f"outage {name}: added p50", added, 1.0, at_least=False, unit=" ms")


def stampede_section(s, targets, lines):
    trials = s["trials"]
    worst_runs = max(t["runs"] for t in trials)
    wrong = sum(t["wrong"] for t in trials)
    worst = max(t["max_ms"] for t in trials)
    lines.append(f"Stampede: {s['callers']} identical cold misses, {s['function_ms']} ms function, "
                 f"{len(trials)} trials on {s['threads']} threads")
    lines.append(f"  function runs per trial: {', '.join(str(t['runs']) for t in trials)}; wrong answers: {wrong}; "
                 f"median wait {sorted(t['p50_ms'] for t in trials)[len(trials) // 2]:.1f} ms; slowest caller "
                 f"{worst:.1f} ms")
    targets.add("stampede function runs per trial (worst)", worst_runs + wrong, 1, at_least=False)
    targets.add("stampede slowest caller / function time", worst / s["function_ms"], 2.0, at_least=False, unit="x")


def fmt(value, unit):
    if unit == "%":
        return f"{value:.0%}"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.1f}{unit}" if unit else f"{value:g}"


def write_chart_data(directory, targets, dynamodb):
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "targets.dat", "w") as f:
        for i, t in enumerate(targets.rows):
            f.write(f"{i} {min(t['margin'], 10):.4f} {0x2e7d32 if t['pass'] else 0xc62828} \"{t['name']}\"\n")
    with open(directory / "dynamodb.dat", "w") as f:
        f.write("workload " + " ".join(CLIENTS) + "\n")
        for op, name in (("get", "GetItem"), ("put", "PutItem")):
            for n in ("1", "16"):
                label = f"{name}-{'seq' if n == '1' else '16'}"
                f.write(label + " " + " ".join(f"{dynamodb[op][n][c]['ops_per_s']:.1f}" for c in CLIENTS) + "\n")


def main():
    results, command, machine, out, chart_dir = pathlib.Path(sys.argv[1]), *sys.argv[2:6]
    memory, stampede = load(results, "memory.json"), load(results, "stampede.json")
    dynamodb, http = load(results, "dynamodb.json"), load(results, "http.json")
    outage = load(results, "outage.json")
    targets, lines, reports = Targets(), [], []
    rates = memory_rates(memory)
    memory_section(rates, targets, lines)
    lines.append("")
    dynamodb_section(dynamodb["results"], targets, lines, reports)
    lines.append("")
    http_section(http["results"], targets, lines, reports)
    lines.append("")
    outage_section(outage, targets, lines, reports)
    lines.append("")
    stampede_section(stampede, targets, lines)
    lines.append("")
    lines.append(f"machine: {machine}")
    lines.append(f"command: {command}")
    lines.append("")
    for r in reports:
        lines.append(f"report {r['name']}: {fmt(r['measured'], r['unit'])}")
    for t in targets.rows:
        lines.append(f"target {t['name']}: {fmt(t['measured'], t['unit'])} (goal {t['comparison']} "
                     f"{fmt(t['goal'], t['unit'])}) {'PASS' if t['pass'] else 'FAIL'}")
    passed = sum(t["pass"] for t in targets.rows)
    lines.append(f"{passed} of {len(targets.rows)} targets pass")
    print("\n".join(lines))
    record = {
        "command": command,
        "machine": machine,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "targets": targets.rows,
        "reports": reports,
        "memory": [{"operation": k[0], "entries": k[1], "store": k[2], "threads": k[3], "items_per_second": v}
                   for k, v in sorted(rates.items())],
        "dynamodb": dynamodb,
        "http": http,
        "stampede": stampede,
        "outage": outage,
    }
    pathlib.Path(out).write_text(json.dumps(record, indent=1) + "\n")
    write_chart_data(pathlib.Path(chart_dir), targets, dynamodb["results"])


if __name__ == "__main__":
    main()
