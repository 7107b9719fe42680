#!/usr/bin/env python3
"""Instructions per HTTP request, counted by callgrind (user space: the server's own code and its
libraries; the kernel's share is the same for every server here): fast-cache-demo on memory://
with one thread answering /plain?x=1 and a cached hit on /expensive?x=1, and nginx with one
worker answering the same body. One keep-alive connection makes REQUESTS requests a path after a
warm-up; callgrind counts only between its zero and its dump. Unlike requests per second on this
shared machine, the counts repeat to within a fraction of a percent. Writes one JSON object.

    instructions.py FAST_CACHE_DEMO REQUESTS OUT.json
"""
import http.client
import json
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE))
from nginx import Nginx  # noqa: E402
from run import Demo  # noqa: E402

WARM_UP = 200


def callgrind(out_file):
    # Instrumented from the start: slower to start, but no request is missed or half-counted.
    return ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}"]


def count(pid, url, paths, requests, out_file):
    """Instructions per request for each path, from one dump of the process `pid` per path."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)

    def get(path):
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
        return answer

    for path in paths:
        for _ in range(WARM_UP):
            get(path)
    subprocess.run(["callgrind_control", "--zero", str(pid)], check=True, capture_output=True)
    counts = {}
    for path in paths:
        for _ in range(requests):
            get(path)
        subprocess.run(["callgrind_control", f"--dump={path}", str(pid)], check=True, capture_output=True)
        dumps = sorted(pathlib.Path(out_file).parent.glob(pathlib.Path(out_file).name + ".*"),
                       key=lambda p: int(p.suffix[1:]))
        summary = next(line for line in dumps[-1].read_text().splitlines() if line.startswith("summary:"))
        counts[path] = int(summary.split()[1]) / requests
    connection.close()
    return counts


def main():
    demo_binary, requests, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with tempfile.TemporaryDirectory(prefix="fast_cache_callgrind_") as work:
        demo = Demo(demo_binary, "memory://", threads=1, prefix=callgrind(f"{work}/demo.out"))
        try:
            demo_counts = count(demo.process.pid, demo.url, ["/plain?x=1", "/expensive?x=1"], requests,
                                f"{work}/demo.out")
        finally:
            demo.stop()
        nginx = Nginx(1, single_process=True, prefix=callgrind(f"{work}/nginx.out"))
        try:
            nginx_counts = count(nginx.process.pid, nginx.url, ["/plain?x=1"], requests, f"{work}/nginx.out")
        finally:
            nginx.stop()
    result = {"requests": requests, "instructions_per_request": {
        "plain": demo_counts["/plain?x=1"], "memory_hit": demo_counts["/expensive?x=1"],
        "nginx": nginx_counts["/plain?x=1"]}}
    pathlib.Path(out).write_text(json.dumps(result, indent=1))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
