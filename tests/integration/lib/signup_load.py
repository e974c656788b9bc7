#!/usr/bin/python3
"""Many signups through sluiced's WebSocket API at once.

signup_load.py --url URL --definition FILE --n N [--inflight K]
               [--connections C] [--machine NAME] [--prefix P]

Deploys the definition as state machine NAME (default "signup"),
subscribes to the topic "admin", then starts N executions with
StartExecution "wait": true (the reply comes when the execution ends),
at most K in flight (default N: all at once), spread over C connections.
Waits (bounded) until N admin notifications have arrived, and prints one
JSON object: {"n", "succeeded", "failed", "errors": {name: count},
"notifications", "seconds", "per_second", "p50_ms", "p99_ms"}.
Exits 1 when the daemon cannot be reached or a bound runs out. Speaks
through the tests' shared client (tests/integration/sluice_ws.py).
"""
import argparse
import asyncio
import json
import os
import sys
import time

import websockets

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from sluice_ws import Conn, Fail  # noqa: E402 (the client the tests share)

BOUND = 300  # seconds: the longest the whole run may take


async def call(conn, action, **params):
    """Like Conn.call, but waiting as long as the whole run may."""
    fut = await conn.send(dict(params, action=action))
    return await asyncio.wait_for(fut, BOUND)


def percentile(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


async def run(a):
    with open(a.definition) as f:
        definition = f.read()
    notes = []
    got_all = asyncio.Event()

    conns = [await Conn.open(a.url, max_size=16 << 20)
             for _ in range(a.connections)]
    sub = await call(conns[0], "Subscribe", topic="admin")
    if "error" in sub:
        raise RuntimeError("Subscribe: %s" % sub["error"])

    async def count_notes():
        """The first connection's pushed messages: the admin topic's."""
        while True:
            msg = await conns[0].events.get()
            if msg.get("event") == "Notification" and \
                    msg.get("topic") == "admin":
                notes.append(msg)
                if len(notes) >= a.n:
                    got_all.set()

    counter = asyncio.ensure_future(count_notes())
    res = await call(conns[0], "CreateStateMachine", name=a.machine,
                     definition=definition,
                     roleArn="arn:aws:iam::000000000000:role/load")
    if "error" in res:
        raise RuntimeError("CreateStateMachine: %s" % res["error"])
    machine = res["result"]["stateMachineArn"]

    gate = asyncio.Semaphore(a.inflight)
    lat, errors = [], {}

    async def one(i):
        async with gate:
            c = conns[i % len(conns)]
            t = time.monotonic()
            r = await call(c, "StartExecution", stateMachineArn=machine,
                           name="%s-%d" % (a.prefix, i), wait=True,
                           input=json.dumps({
                               "email": "%s-%d@example.org" % (a.prefix, i),
                               "name": "Load %d" % i}))
            lat.append((time.monotonic() - t) * 1000)
            if "error" in r:
                name = r["error"].get("type", "?")
            else:
                res = r.get("result", {})
                status = res.get("status", "?")
                name = status if status != "FAILED" else \
                    "FAILED:%s" % res.get("error")
            errors[name] = errors.get(name, 0) + 1

    t0 = time.monotonic()
    await asyncio.gather(*(one(i) for i in range(a.n)))
    seconds = time.monotonic() - t0
    try:
        await asyncio.wait_for(got_all.wait(), 30)
    except asyncio.TimeoutError:
        pass
    counter.cancel()
    for c in conns:
        await c.close()
    ok = errors.pop("SUCCEEDED", 0)
    return {"n": a.n, "succeeded": ok, "failed": a.n - ok,
            "errors": errors, "notifications": len(notes),
            "seconds": round(seconds, 3),
            "per_second": round(a.n / seconds, 1) if seconds > 0 else None,
            "p50_ms": round(percentile(lat, 50), 2),
            "p99_ms": round(percentile(lat, 99), 2)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--definition", required=True)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--inflight", type=int, default=0)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--machine", default="signup")
    ap.add_argument("--prefix", default="load")
    a = ap.parse_args()
    if a.inflight <= 0:
        a.inflight = a.n
    try:
        out = asyncio.run(asyncio.wait_for(run(a), BOUND))
    except (OSError, RuntimeError, Fail, asyncio.TimeoutError,
            websockets.WebSocketException) as e:
        print("signup_load: %s" % (e or type(e).__name__), file=sys.stderr)
        sys.exit(1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
