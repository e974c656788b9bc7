#!/usr/bin/python3
"""A webhook receiver for the integration tests (http.server).

Listens on 127.0.0.1 on a port of the kernel's choosing, writes the port to
--port-file, records every POST in --dir as post-N.json ({"path",
"headers", "body"}) and answers with --status (default 204), or with the
number in DIR/status when that file exists (so a test can change it while
the server runs). Runs until killed.
"""
import argparse
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
count = [0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--status", type=int, default=204)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n).decode("utf-8", "replace")
            status = args.status
            try:
                with open(os.path.join(args.dir, "status")) as f:
                    status = int(f.read().strip())
            except (OSError, ValueError):
                pass
            with lock:
                count[0] += 1
                path = os.path.join(args.dir, "post-%d.json" % count[0])
            rec = {"path": self.path, "headers": dict(self.headers),
                   "body": body, "status": status}
            with open(path + ".tmp", "w") as f:
                json.dump(rec, f)
            os.rename(path + ".tmp", path)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, fmt, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
