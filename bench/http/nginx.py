"""nginx (Debian's) as the HTTP ceiling: with a config of its own on a free loopback port, as many
workers as the demo has threads, answering every request with the same body and Content-Type as
the demo's /plain?x=1 from memory (`return 200`), access log off."""
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

BODY = '{"result":2}'

CONFIG = """worker_processes {workers};
master_process {master};
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      default_type application/json;
      return 200 '{body}';
    }}
  }}
}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx on a free loopback port, stopped by stop(). `single_process`: no master, the one worker
    is the process started (to run under a tool such as callgrind, given as `prefix`)."""

    def __init__(self, workers, single_process=False, prefix=(), binary="/usr/sbin/nginx"):
        self.dir = tempfile.mkdtemp(prefix="fast_cache_nginx_")
        port = free_port()
        config = pathlib.Path(self.dir) / "nginx.conf"
        config.write_text(CONFIG.format(workers=workers, master="off" if single_process else "on", dir=self.dir, port=port,
                                        body=BODY))
        self.process = subprocess.Popen([*prefix, binary, "-p", self.dir, "-c", str(config)], stderr=subprocess.PIPE,
                                        text=True)
        self.url = f"http://127.0.0.1:{port}"
        for _ in range(400):  # seconds under callgrind
            try:
                with urllib.request.urlopen(self.url + "/plain?x=1") as answer:
                    if answer.read().decode() == BODY:
                        return
            except OSError:
                if self.process.poll() is not None:
                    sys.exit(f"http: nginx did not start: {self.process.stderr.read()}")
                time.sleep(0.05)
        self.stop()
        sys.exit("http: nginx did not answer")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
