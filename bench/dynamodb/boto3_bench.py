#!/usr/bin/env python3
"""GetItem or PutItem through boto3 for a while, sequentially or with N requests in flight (N
threads sharing one client, boto3's way to overlap requests); prints one JSON line with ops/s and
the process CPU time per operation.

    boto3_bench.py ENDPOINT get|put IN_FLIGHT WARM_UP_SECONDS SECONDS
"""
import json
import resource
import sys
import threading
import time

import common


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    endpoint, op, in_flight = sys.argv[1], sys.argv[2], int(sys.argv[3])
    warm_up, seconds = float(sys.argv[4]), float(sys.argv[5])
    ddb = common.client(endpoint, max_connections=in_flight)
    if op == "get":
        def call():
            ddb.get_item(TableName=common.TABLE, Key={"cache_key": {"S": common.CACHE_KEY}})
    else:
        item = {"cache_key": {"S": common.CACHE_KEY}, "value": {"B": common.VALUE}}

        def call():
            ddb.put_item(TableName=common.TABLE, Item=item)

    counts = [0] * in_flight
    phase = {"measuring": False, "stop": False}
    start = threading.Barrier(in_flight + 1)

    def worker(slot):
        call()  # opens this worker's connection before the clock starts
        start.wait()
        while not phase["stop"]:
            call()
            if phase["measuring"]:
                counts[slot] += 1

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(in_flight)]
    for w in workers:
        w.start()
    start.wait()
    time.sleep(warm_up)  # the first calls build boto3's caches
    phase["measuring"] = True
    wall0, cpu0 = time.perf_counter(), cpu_seconds()
    time.sleep(seconds)
    phase["measuring"] = False
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    ops = sum(counts)
    phase["stop"] = True
    for w in workers:
        w.join()
    print(json.dumps({"client": "boto3", "op": op, "in_flight": in_flight, "ops": ops, "seconds": wall,
                      "ops_per_s": ops / wall, "cpu_us_per_op": cpu * 1e6 / ops}))


if __name__ == "__main__":
    main()
