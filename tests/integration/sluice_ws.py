#!/usr/bin/python3
"""An independent client of sluiced's WebSocket API (Python websockets),
used by tests/integration/server_*.sh: each scenario drives a running
daemon and exits non-zero with a message on the first failure.

usage: sluice_ws.py URL SCENARIO [options]   (see main())"""
import argparse
import asyncio
import base64
import json
import sys
import time

import websockets

TIMEOUT = 20  # seconds: a bound on every wait, never a sleep


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


class Conn:
    """One connection: replies matched to requests by id, pushed events
    queued in arrival order."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.waiting = {}
        self.events = asyncio.Queue()
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def open(cls, url, **kw):
        kw.setdefault("max_size", 64 * 1024 * 1024)
        ws = await asyncio.wait_for(websockets.connect(
            url, subprotocols=["sluice.v1"], **kw), TIMEOUT)
        return cls(ws)

    async def _read(self):
        try:
            async for text in self.ws:
                msg = json.loads(text)
                if "event" in msg:
                    await self.events.put(msg)
                    continue
                fut = self.waiting.pop(msg.get("id"), None)
                if fut is not None and not fut.done():
                    fut.set_result(msg)
                else:
                    await self.events.put(msg)  # unmatched reply
        except websockets.ConnectionClosed:
            pass
        for fut in self.waiting.values():
            if not fut.done():
                fut.set_exception(Fail("connection closed"))

    async def send(self, msg):
        """Send msg with a fresh id; return a future for its reply."""
        self.next_id += 1
        msg = dict(msg, id=self.next_id)
        fut = asyncio.get_running_loop().create_future()
        # A reply lost with its connection is not an error of its own.
        fut.add_done_callback(lambda f: f.cancelled() or f.exception())
        self.waiting[self.next_id] = fut
        await self.ws.send(json.dumps(msg))
        return fut

    async def call(self, action, **params):
        fut = await self.send(dict(params, action=action))
        return await asyncio.wait_for(fut, TIMEOUT)

    async def raw(self, data):
        """Send raw text/bytes; return the next unmatched reply."""
        await self.ws.send(data)
        return await self.event()

    async def event(self, timeout=TIMEOUT):
        return await asyncio.wait_for(self.events.get(), timeout)

    async def close(self):
        await self.ws.close()
        await self.reader


def result(reply, what):
    check("result" in reply, "%s: expected a result, got %s" %
          (what, json.dumps(reply)[:300]))
    return reply["result"]


def error(reply, etype, what):
    check("error" in reply, "%s: expected error %s, got %s" %
          (what, etype, json.dumps(reply)[:300]))
    check(reply["error"]["type"] == etype, "%s: expected %s, got %s" %
          (what, etype, reply["error"]))
    check(reply["error"].get("message"), "%s: error without message" % what)
    return reply["error"]


def ok(what):
    print("ok:", what, flush=True)


async def scenario_api(a):
    c = await Conn.open(a.url)
    fl = result(await c.call("ListFunctions"), "ListFunctions")
    names = [f.get("FunctionName") for f in fl.get("Functions", [])]
    check(a.echo in names, "ListFunctions lacks %s: %s" % (a.echo, names))
    ok("ListFunctions lists %d functions" % len(names))
    gf = result(await c.call("GetFunction", FunctionName=a.echo),
                "GetFunction")
    check(gf.get("Configuration", {}).get("FunctionName") == a.echo,
          "GetFunction shape: %s" % gf)
    error(await c.call("GetFunction", FunctionName="no-such-fn"),
          "ResourceNotFoundException", "GetFunction unknown")
    ok("GetFunction")

    r = result(await c.call("Invoke", FunctionName=a.echo,
                            Payload={"a": [1, 2], "s": "x"}), "Invoke")
    check(r["StatusCode"] == 200 and r["Payload"] == {"a": [1, 2], "s": "x"}
          and "FunctionError" not in r, "Invoke echo: %s" % r)
    r = result(await c.call("Invoke", FunctionName=a.echo,
                            Payload='{"t": true}', LogType="Tail"),
               "Invoke string payload")
    check(r["Payload"] == {"t": True}, "string payload: %s" % r)
    check("LogResult" in r, "no LogResult with LogType Tail: %s" % r)
    base64.b64decode(r["LogResult"], validate=True)
    r = result(await c.call("Invoke", FunctionName=a.echo,
                            InvocationType="DryRun"), "DryRun")
    check(r["StatusCode"] == 204, "DryRun: %s" % r)
    r = result(await c.call("Invoke", FunctionName=a.echo,
                            InvocationType="Event", Payload={}), "Event")
    check(r["StatusCode"] == 202, "Event: %s" % r)
    ok("Invoke RequestResponse, Tail, DryRun, Event")

    r = result(await c.call("Invoke", FunctionName=a.fail,
                            Payload={"fail": True}), "Invoke fail")
    check(r.get("FunctionError") in ("Handled", "Unhandled") and
          isinstance(r["Payload"], dict) and "errorType" in r["Payload"],
          "function error shape: %s" % r)
    error(await c.call("Invoke", FunctionName="no-such-fn"),
          "ResourceNotFoundException", "Invoke unknown")
    ok("function error and unknown function")

    # Replies out of order: a slow call, then a fast one.
    slow = await c.send({"action": "Invoke", "FunctionName": a.slow,
                         "Payload": {"ms": 300}})
    fast = await c.send({"action": "Invoke", "FunctionName": a.echo,
                         "Payload": {"n": 1}})
    done, _ = await asyncio.wait([slow, fast], timeout=TIMEOUT,
                                 return_when=asyncio.FIRST_COMPLETED)
    check(fast in done and slow not in done,
          "the fast reply did not overtake the slow one")
    result(await asyncio.wait_for(slow, TIMEOUT), "slow")
    ok("replies out of order")

    futs = [await c.send({"action": "Invoke", "FunctionName": a.echo,
                          "Payload": {"i": i}}) for i in range(100)]
    replies = await asyncio.wait_for(asyncio.gather(*futs), TIMEOUT)
    for i, rep in enumerate(replies):
        check(result(rep, "in flight")["Payload"] == {"i": i},
              "reply %d mismatched: %s" % (i, rep))
    ok("100 requests in flight on one connection")

    # Error replies never disconnect.
    error(await c.raw("{not json"), "SerializationException", "bad JSON")
    error(await c.raw("[1,2,3]"), "SerializationException", "not an object")
    error(await c.raw(b"\x00\x01binary"), "ValidationException", "binary")
    error(await c.call("NoSuchAction"), "UnknownOperation", "unknown")
    e = error(await c.call("Invoke"), "ValidationException", "missing")
    check("FunctionName" in e["message"], "message names the parameter")
    e = error(await c.call("Invoke", FunctionName=5),
              "ValidationException", "wrong type")
    check("FunctionName" in e["message"], "message names the parameter")
    error(await c.call("Invoke", FunctionName=a.echo,
                       InvocationType="Later"), "ValidationException",
          "enum")
    error(await c.call("Invoke", FunctionName=a.echo, Payload="{bad"),
          "InvalidRequestContentException", "payload")
    error(await c.call("Publish", topic="t"), "ValidationException",
          "Publish without Message")
    error(await c.call("Subscribe"), "ValidationException",
          "Subscribe without target")
    error(await c.call("Subscribe", executionArn="nope"), "InvalidArn",
          "Subscribe bad ARN")
    result(await c.call("ListFunctions"), "still connected")
    ok("error replies without disconnecting")

    # Topics: Publish reaches subscribers, and so does a function's
    # sl_publish.
    s = await Conn.open(a.url)
    result(await s.call("Subscribe", topic="news"), "Subscribe")
    result(await c.call("Publish", topic="news", Message="hello"),
           "Publish")
    ev = await s.event()
    check(ev["event"] == "Notification" and ev["Message"] == "hello" and
          ev["topic"] == "news", "notification: %s" % ev)
    result(await c.call("Publish", TopicArn="arn:aws:sns:us-east-1:"
                        "000000000000:news", Message={"k": 1}), "Publish")
    ev = await s.event()
    check(json.loads(ev["Message"]) == {"k": 1}, "JSON message: %s" % ev)
    if a.publish:
        result(await s.call("Subscribe", topic=a.publish_topic),
               "Subscribe")
        result(await c.call("Invoke", FunctionName=a.publish,
                            Payload={"from": "fn"}), "Invoke publisher")
        ev = await s.event()
        check(ev["topic"] == a.publish_topic and
              json.loads(ev["Message"]) == {"from": "fn"},
              "sl_publish notification: %s" % ev)
        ok("a function's sl_publish reaches subscribers")
    result(await s.call("Unsubscribe", topic="news"), "Unsubscribe")
    result(await c.call("Publish", topic="news", Message="unseen"),
           "Publish")
    result(await s.call("Publish", topic="other", Message="x"), "Publish")
    try:
        ev = await s.event(timeout=0.5)
        raise Fail("notification after Unsubscribe: %s" % ev)
    except asyncio.TimeoutError:
        pass
    ok("Publish, Subscribe, Unsubscribe")
    await s.close()
    await c.close()


async def scenario_order(a):
    subs = [await Conn.open(a.url) for _ in range(3)]
    for s in subs:
        result(await s.call("Subscribe", topic="seq"), "Subscribe")
    pub = await Conn.open(a.url)
    futs = [await pub.send({"action": "Publish", "topic": "seq",
                            "Message": str(i)}) for i in range(a.n)]
    await asyncio.wait_for(asyncio.gather(*futs), TIMEOUT)
    for k, s in enumerate(subs):
        for i in range(a.n):
            ev = await s.event()
            check(ev["Message"] == str(i),
                  "subscriber %d: message %d is %s" % (k, i, ev["Message"]))
    ok("%d subscribers each got %d messages in order" % (len(subs), a.n))
    for s in subs + [pub]:
        await s.close()


async def expect_rejected(url, **kw):
    try:
        c = await Conn.open(url, **kw)
    except (websockets.InvalidStatusCode, websockets.InvalidHandshake):
        return
    await c.close()
    raise Fail("connection accepted: %s" % kw)


async def closed_code(c):
    await asyncio.wait_for(c.reader, TIMEOUT)
    return c.ws.close_code


async def scenario_auth(a):
    c = await Conn.open(a.url)
    error(await c.call("ListFunctions"),
          "MissingAuthenticationTokenException", "no token")
    check(await closed_code(c) == 1008, "not closed with 1008")
    ok("no token: error reply, then close 1008")
    c = await Conn.open(a.url)
    error(await c.call("Authenticate", token="wrong"),
          "UnrecognizedClientException", "wrong token")
    check(await closed_code(c) == 1008, "not closed with 1008")
    ok("wrong token in Authenticate: error, close 1008")
    await expect_rejected(a.url, extra_headers={
        "Authorization": "Bearer wrong"})
    ok("wrong bearer header: handshake refused")
    c = await Conn.open(a.url)
    result(await c.call("Authenticate", token=a.token), "Authenticate")
    result(await c.call("ListFunctions"), "after Authenticate")
    await c.close()
    c = await Conn.open(a.url, extra_headers={
        "Authorization": "Bearer " + a.token})
    result(await c.call("ListFunctions"), "with bearer header")
    await c.close()
    ok("Authenticate message and bearer header")


async def scenario_abuse(a):
    other = await Conn.open(a.url)
    result(await other.call("Subscribe", topic="calm"), "Subscribe")

    # Oversize: close 1009; the other client does not notice.
    big = await Conn.open(a.url)
    await big.ws.send(json.dumps({"id": 1, "action": "Publish",
                                  "topic": "t", "Message": "x" * (
                                      a.max_message + 10)}))
    code = await closed_code(big)
    check(code == 1009, "oversize closed with %s, not 1009" % code)
    huge = await Conn.open(a.url)
    await huge.ws.send("[" + " " * (7 * 1024 * 1024) + "]")
    code = await closed_code(huge)
    check(code == 1009, "7 MiB message closed with %s, not 1009" % code)
    result(await other.call("ListFunctions"), "other client after 1009")
    ok("oversize messages: close 1009, others unaffected")

    # Invoke may carry more than --max-message.
    c = await Conn.open(a.url)
    blob = "y" * (a.max_message + 4096)
    r = result(await c.call("Invoke", FunctionName=a.echo,
                            Payload={"blob": blob}), "big Invoke")
    check(r["Payload"] == {"blob": blob}, "big Invoke payload mangled")
    ok("Invoke over --max-message (up to 6 MiB) accepted")

    # A request sent in many fragments is reassembled.
    msg = json.dumps({"id": 77, "action": "Invoke", "FunctionName": a.echo,
                      "Payload": {"frag": "z" * 200000}})
    await c.ws.send([msg[i:i + 1000] for i in range(0, len(msg), 1000)])
    rep = await c.event()
    check(rep.get("id") == 77 and
          result(rep, "fragmented")["Payload"]["frag"] == "z" * 200000,
          "fragmented request: %s" % str(rep)[:200])
    ok("fragmented request reassembled")

    # Abrupt disconnect with a request in flight.
    gone = await Conn.open(a.url)
    await gone.send({"action": "Invoke", "FunctionName": a.slow,
                     "Payload": {"ms": 300}})
    gone.ws.transport.abort()
    r = result(await c.call("Invoke", FunctionName=a.slow,
                            Payload={"ms": 400}), "after abort")
    check(r["StatusCode"] == 200, "after abort: %s" % r)
    ok("abrupt disconnect mid-request: result dropped, server fine")

    # A slow reader: it stops reading while a lot is pushed to it.
    slow = await Conn.open(a.url, max_queue=1, read_limit=4096)
    result(await slow.call("Subscribe", topic="flood"), "Subscribe")
    slow.reader.cancel()
    slow.ws.transport.pause_reading()
    pub = await Conn.open(a.url)
    size = min(200 * 1024, a.max_message - 1024)
    chunk = "f" * size
    flood = a.flood_mb * 1024 * 1024 // size
    t0 = time.monotonic()
    for i in range(flood):
        result(await pub.call("Publish", topic="flood", Message=chunk),
               "flood publish")
        result(await pub.call("Publish", topic="calm", Message=str(i)),
               "calm publish")
        ev = await other.event()
        check(ev["Message"] == str(i), "calm subscriber lost message %d" % i)
    check(time.monotonic() - t0 < TIMEOUT, "publishing stalled")
    ok("publisher and a fast subscriber unaffected by a slow reader")
    slow.ws.transport.resume_reading()
    t0 = time.monotonic()
    n = 0
    try:
        while time.monotonic() - t0 < TIMEOUT:
            await asyncio.wait_for(slow.ws.recv(), TIMEOUT)
            n += 1
    except (websockets.ConnectionClosed, ConnectionError):
        pass
    check(slow.ws.closed, "slow reader was never disconnected")
    check(n < flood, "slow reader got all %d messages" % n)
    check(slow.ws.close_code in (1008, 1006),
          "slow reader closed with %s" % slow.ws.close_code)
    ok("slow reader disconnected (%s) after %d of %d messages" %
       (slow.ws.close_code, n, flood))
    for x in (c, pub, other):
        await x.close()


async def scenario_publish(a):
    c = await Conn.open(a.url, extra_headers={
        "Authorization": "Bearer " + a.token} if a.token else None)
    for m in a.message:
        result(await c.call("Publish", topic=a.topic, Message=m), "Publish")
    ok("published %d messages to %s" % (len(a.message), a.topic))
    await c.close()


async def scenario_many(a):
    sem = asyncio.Semaphore(100)

    async def one(i):
        async with sem:
            return await Conn.open(a.url)

    conns = await asyncio.wait_for(
        asyncio.gather(*[one(i) for i in range(a.n)]), 60)
    futs = [await c.send({"action": "ListFunctions"}) for c in conns]
    replies = await asyncio.wait_for(asyncio.gather(*futs), 60)
    for r in replies:
        result(r, "ListFunctions on one of many")
    ok("%d simultaneous connections, each answered" % len(conns))
    if a.hold:
        print("holding", flush=True)
        await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(
            None, sys.stdin.readline), 120)
    for c in conns:
        c.ws.transport.abort()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("scenario",
                   choices=["api", "order", "auth", "abuse", "many",
                            "publish"])
    p.add_argument("--topic", default="news")
    p.add_argument("--message", action="append", default=[])
    p.add_argument("--echo", default="echo")
    p.add_argument("--fail", default="fail")
    p.add_argument("--slow", default="sleep")
    p.add_argument("--publish", default="")
    p.add_argument("--publish-topic", default="tests.events")
    p.add_argument("--token", default="")
    p.add_argument("--max-message", type=int, default=1024 * 1024)
    p.add_argument("--flood-mb", type=int, default=40)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--hold", action="store_true")
    a = p.parse_args()
    fn = globals()["scenario_" + a.scenario]
    try:
        asyncio.run(fn(a))
    except Fail as e:
        print("FAIL:", e, flush=True)
        sys.exit(1)
    except (asyncio.TimeoutError, OSError,
            websockets.WebSocketException) as e:
        print("FAIL: %s: %s" % (type(e).__name__, e), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
