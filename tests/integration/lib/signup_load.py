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
Exits 1 when the daemon cannot be reached or a bound runs out.
"""
import argparse
import asyncio
import json
import sys
import time

import websockets

BOUND = 300  # seconds: the longest the whole run may take


class Conn:
    def __init__(self, ws, on_event=None):
        self.ws = ws
        self.on_event = on_event
        self.next_id = 0
        self.pending = {}
        self.reader = asyncio.ensure_future(self.read())

    async def read(self):
        try:
            async for text in self.ws:
                msg = json.loads(text)
                if "event" in msg:
                    if self.on_event is not None:
                        self.on_event(msg)
                    continue
                fut = self.pending.pop(msg.get("id"), None)
                if fut is not None and not fut.done():
                    fut.set_result(msg)
        except websockets.ConnectionClosed:
            pass
        for fut in self.pending.values():
            if not fut.done():
                fut.set_exception(ConnectionError("connection closed"))

    async def call(self, action, **params):
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = fut
        await self.ws.send(json.dumps(dict(params, action=action,
                                           id=self.next_id)))
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

    def on_event(msg):
        if msg.get("event") == "Notification" and msg.get("topic") == "admin":
            notes.append(msg)
            if len(notes) >= a.n:
                got_all.set()

    async def connect(handler=None):
        ws = await asyncio.wait_for(websockets.connect(
            a.url, subprotocols=["sluice.v1"], max_size=16 << 20), 30)
        return Conn(ws, handler)

    conns = [await connect(on_event)]
    for _ in range(a.connections - 1):
        conns.append(await connect())
    sub = await conns[0].call("Subscribe", topic="admin")
    if "error" in sub:
        raise RuntimeError("Subscribe: %s" % sub["error"])
    res = await conns[0].call("CreateStateMachine", name=a.machine,
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
            r = await c.call("StartExecution", stateMachineArn=machine,
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
    for c in conns:
        await c.ws.close()
        c.reader.cancel()
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
    except (OSError, RuntimeError, asyncio.TimeoutError,
            websockets.WebSocketException) as e:
        print("signup_load: %s" % (e or type(e).__name__), file=sys.stderr)
        sys.exit(1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
