#!/usr/bin/python3
"""Serve a directory over HTTP on 127.0.0.1 with the headers sluiced's
static mount sends (libwebsockets' security best practices: a strict
Content-Security-Policy, nosniff, no framing) and only the file types it
serves, so that a page that breaks there breaks here too. Prints
"listening on PORT" once it accepts connections.

usage: static_server.py DIR"""
import http.server
import os
import sys

# What libwebsockets 4.1 serves; anything else is 415.
TYPES = {
    ".html": "text/html", ".htm": "text/html", ".js": "text/javascript",
    ".css": "text/css", ".png": "image/png", ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg", ".ico": "image/x-icon", ".gif": "image/gif",
    ".svg": "image/svg+xml", ".ttf": "application/x-font-ttf",
    ".otf": "application/font-woff", ".woff": "application/font-woff",
    ".txt": "text/plain", ".xml": "application/xml",
    ".json": "application/json",
}
CSP = ("default-src 'none'; img-src 'self' data: ; script-src 'self'; "
       "font-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self';")


class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "deny")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        ext = os.path.splitext(path)[1].lower()
        if ext not in TYPES:
            self.send_error(415, "Unsupported Media Type")
            return None
        return super().send_head()

    def guess_type(self, path):
        return TYPES.get(os.path.splitext(path)[1].lower(),
                         "application/octet-stream")

    def log_message(self, fmt, *args):
        sys.stderr.write("static: " + (fmt % args) + "\n")


def main():
    root = sys.argv[1]
    os.chdir(root)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print("listening on %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
