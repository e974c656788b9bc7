#!/usr/bin/python3
"""A real SMTP server for the integration tests (aiosmtpd from Debian).

Listens on 127.0.0.1 on a port of the kernel's choosing, writes that port to
--port-file once it accepts connections, and stores every message it accepts
in --dir as msg-N.eml (the data as received) plus msg-N.json (the envelope).
Modes:
  --reject             answer every RCPT with a permanent 550
  --tempfail N         answer the first N RCPTs with a transient 451
  --reset-first N      reset the first N connections before the greeting
                       (the server looks down), logging each in attempts.log
  --auth USER:PASS     require AUTH (PLAIN/LOGIN) with these credentials
  --tls CERT:KEY       offer STARTTLS with this certificate and require it
Runs until killed.
"""
import argparse
import asyncio
import json
import os
import socket
import ssl
import struct

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def log_line(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")


class Handler:
    def __init__(self, args):
        self.args = args
        self.count = 0
        self.tempfails = args.tempfail

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.args.reject:
            log_line(os.path.join(self.args.dir, "rejected.log"), address)
            return "550 5.1.1 <%s>: Recipient address rejected" % address
        if self.tempfails > 0:
            self.tempfails -= 1
            log_line(os.path.join(self.args.dir, "deferred.log"), address)
            return "451 4.3.0 Temporary failure, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.args.dir, "msg-%d" % self.count)
        write_atomic(base + ".eml", envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "peer": list(session.peer)[:2],
            "authenticated": bool(getattr(session, "authenticated", False)),
            "tls": session.ssl is not None,
        }
        write_atomic(base + ".json", json.dumps(meta).encode())
        return "250 2.0.0 Message accepted for delivery"


class Resetter(asyncio.Protocol):
    """Accepts a connection and resets it at once, as a crashed server
    would look to a client."""

    def __init__(self, args):
        self.args = args

    def connection_made(self, transport):
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
        log_line(os.path.join(self.args.dir, "attempts.log"), "reset")
        transport.abort()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--reject", action="store_true")
    ap.add_argument("--tempfail", type=int, default=0)
    ap.add_argument("--reset-first", type=int, default=0)
    ap.add_argument("--auth", default="")
    ap.add_argument("--tls", default="")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = Handler(args)
    resets = [args.reset_first]

    def authenticator(server, session, envelope, mechanism, auth_data):
        user, _, password = args.auth.partition(":")
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        # handled=False: let the server answer 535 itself.
        return AuthResult(success=ok, handled=False)

    tls = None
    if args.tls:
        cert, _, key = args.tls.partition(":")
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)

    def factory():
        if resets[0] > 0:
            resets[0] -= 1
            return Resetter(args)
        kw = {}
        if args.auth:
            kw = dict(authenticator=authenticator, auth_required=True,
                      auth_require_tls=tls is not None)
        if tls is not None:
            kw.update(tls_context=tls, require_starttls=True)
        return SMTP(handler, hostname="smtp.test", ident="sluice-test-smtp",
                    **kw)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(factory, host="127.0.0.1", port=0))
    port = server.sockets[0].getsockname()[1]
    write_atomic(args.port_file, ("%d\n" % port).encode())
    loop.run_forever()


if __name__ == "__main__":
    main()
