#!/usr/bin/python3
"""An independent client of sluiced's WebSocket API (Python websockets),
used by tests/integration/server_*.sh: each scenario drives a running
daemon and exits non-zero with a message on the first failure.

usage: sluice_ws.py URL SCENARIO [options]   (see main())"""
import argparse
import asyncio
import base64
import json
import resource
import sys
import time

import websockets

TIMEOUT = 20  # seconds: a bound on every wait, never a sleep


def run_main(coro):
    """Run a scenario: a Fail, a timeout or a connection error becomes one
    FAIL line and exit status 1."""
    try:
        asyncio.run(coro)
    except Fail as e:
        print("FAIL:", e, flush=True)
        sys.exit(1)
    except (asyncio.TimeoutError, OSError,
            websockets.WebSocketException) as e:
        print("FAIL: %s: %s" % (type(e).__name__, e), flush=True)
        sys.exit(1)


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

    # 90: within what the host takes at once for one function (32
    # workers, starting or busy, and 64 waiting); past that a burst is
    # throttled, as tested below.
    futs = [await c.send({"action": "Invoke", "FunctionName": a.echo,
                          "Payload": {"i": i}}) for i in range(90)]
    replies = await asyncio.wait_for(asyncio.gather(*futs), TIMEOUT)
    for i, rep in enumerate(replies):
        check(result(rep, "in flight")["Payload"] == {"i": i},
              "reply %d mismatched: %s" % (i, rep))
    ok("90 requests in flight on one connection")

    # Throttling: the slow function allows one at a time and queues 64.
    futs = [await c.send({"action": "Invoke", "FunctionName": a.slow,
                          "Payload": {"ms": 20}}) for i in range(72)]
    replies = await asyncio.wait_for(asyncio.gather(*futs), TIMEOUT)
    throttled = [r for r in replies if "error" in r]
    check(throttled and all(r["error"]["type"] ==
                            "TooManyRequestsException" for r in throttled),
          "throttling: %s" % [r.get("error") for r in throttled][:3])
    check(len(throttled) < 72, "everything throttled")
    ok("TooManyRequestsException past the queue (%d of 72, Reason %s)" %
       (len(throttled), throttled[0]["error"].get("Reason")))

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
    # Big and small messages queued at once: the server sends several per
    # turn, so a send the socket takes only in part must stop the turn
    # until its tail is out, or frames would interleave.
    sizes = [150000 if i % 3 == 0 else 10 + i for i in range(60)]
    futs = [await pub.send({"action": "Publish", "topic": "seq",
                            "Message": "%d:%s" % (i, "b" * n)})
            for i, n in enumerate(sizes)]
    await asyncio.wait_for(asyncio.gather(*futs), TIMEOUT)
    for k, s in enumerate(subs):
        for i, n in enumerate(sizes):
            ev = await s.event()
            check(ev["Message"] == "%d:%s" % (i, "b" * n),
                  "subscriber %d: mixed message %d mangled (%d bytes)" %
                  (k, i, len(ev["Message"])))
    ok("%d subscribers each got %d big and small messages intact" %
       (len(subs), len(sizes)))
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
    # Silence is not a way in: the server closes after --auth-timeout.
    c = await Conn.open(a.url)
    t0 = time.monotonic()
    code = await closed_code(c)
    check(code == 1008, "silent client closed with %s, not 1008" % code)
    ok("a silent unauthenticated client is closed (1008) after %.1f s" %
       (time.monotonic() - t0))


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


LAMBDA = "arn:aws:lambda:us-east-1:000000000000:function:"


def three_tasks(fn):
    return json.dumps({"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": LAMBDA + fn, "Next": "B"},
        "B": {"Type": "Task", "Resource": LAMBDA + fn, "Next": "C"},
        "C": {"Type": "Task", "Resource": LAMBDA + fn, "End": True}}})


def exec_arn(sm_arn, name):
    return sm_arn.replace(":stateMachine:", ":execution:") + ":" + name


async def scenario_sfn(a):
    c = await Conn.open(a.url)
    pre = "t%d" % (time.time() * 1000 % 1000000)
    r = result(await c.call("CreateStateMachine", name=pre + "three",
                            definition=three_tasks(a.echo)), "Create")
    sm = r["stateMachineArn"]
    check(sm.endswith(":stateMachine:" + pre + "three"), "ARN: %s" % sm)
    again = result(await c.call("CreateStateMachine", name=pre + "three",
                                definition=three_tasks(a.echo)), "again")
    check(again["stateMachineArn"] == sm, "idempotent create")
    error(await c.call("CreateStateMachine", name=pre + "three",
                       definition=three_tasks(a.fail)),
          "StateMachineAlreadyExists", "create clash")
    e = error(await c.call("CreateStateMachine", name=pre + "bad",
                           definition='{"StartAt":"X","States":{"Y":'
                           '{"Type":"Pass","End":true}}}'),
              "InvalidDefinition", "bad definition")
    check("X" in e["message"], "InvalidDefinition names the problem")
    error(await c.call("CreateStateMachine", name="bad name!",
                       definition=three_tasks(a.echo)), "InvalidName",
          "bad name")
    error(await c.call("CreateStateMachine", name=pre + "x"),
          "ValidationException", "no definition")
    d = result(await c.call("DescribeStateMachine", stateMachineArn=sm),
               "Describe")
    check(d["status"] == "ACTIVE" and d["type"] == "STANDARD" and
          json.loads(d["definition"])["StartAt"] == "A", "describe: %s" % d)
    error(await c.call("DescribeStateMachine", stateMachineArn=sm + "zz"),
          "StateMachineDoesNotExist", "describe unknown")
    error(await c.call("DescribeStateMachine", stateMachineArn="x"),
          "InvalidArn", "describe bad ARN")
    ls = result(await c.call("ListStateMachines"), "List")
    check(sm in [m["stateMachineArn"] for m in ls["stateMachines"]],
          "ListStateMachines")
    v = result(await c.call("ValidateStateMachineDefinition",
                            definition=three_tasks(a.echo)), "Validate")
    check(v["result"] == "OK" and v["diagnostics"] == [], "valid: %s" % v)
    v = result(await c.call("ValidateStateMachineDefinition",
                            definition='{"States":{}}'), "Validate bad")
    check(v["result"] == "FAIL" and v["diagnostics"], "invalid: %s" % v)
    ok("CreateStateMachine, DescribeStateMachine, ListStateMachines, "
       "ValidateStateMachineDefinition and their errors")

    # Subscribed to one execution: every event, in order, then the end.
    s = await Conn.open(a.url)
    xa = exec_arn(sm, "run1")
    result(await s.call("Subscribe", executionArn=xa), "Subscribe")
    r = result(await c.call("StartExecution", stateMachineArn=sm,
                            name="run1", input='{"v": 7}', wait=True),
               "StartExecution wait")
    check(r["status"] == "SUCCEEDED" and json.loads(r["output"]) ==
          {"v": 7} and r["executionArn"] == xa, "wait reply: %s" % r)
    pushed = []
    while not pushed or pushed[-1]["type"] != "ExecutionSucceeded":
        ev = await s.event()
        check(ev["event"] == "ExecutionEvent" and ev["executionArn"] == xa,
              "pushed: %s" % ev)
        pushed.append(ev["historyEvent"])
    check([e["id"] for e in pushed] == list(range(1, len(pushed) + 1)),
          "pushed ids not in order: %s" % [e["id"] for e in pushed])
    h = result(await c.call("GetExecutionHistory", executionArn=xa),
               "history")
    check(h["events"] == pushed, "history differs from what was pushed")
    check(sum(1 for e in pushed if e["type"] == "TaskStateEntered") == 3,
          "three tasks")
    ok("StartExecution wait, %d events pushed in order = "
       "GetExecutionHistory" % len(pushed))
    h = result(await c.call("GetExecutionHistory", executionArn=xa,
                            maxResults=5, reverseOrder=True), "paged")
    check(len(h["events"]) == 5 and h["events"][0]["id"] == len(pushed) and
          "nextToken" in h, "paged history: %s" % h)
    h2 = result(await c.call("GetExecutionHistory", executionArn=xa,
                             maxResults=5, reverseOrder=True,
                             nextToken=h["nextToken"]), "page 2")
    check(h2["events"][0]["id"] == len(pushed) - 5, "page 2")
    ok("GetExecutionHistory paging")

    r = result(await c.call("StartExecution", stateMachineArn=sm,
                            name="run2", input={"w": 1}), "Start")
    check(r["executionArn"] == exec_arn(sm, "run2") and "startDate" in r,
          "start reply: %s" % r)
    error(await c.call("StartExecution", stateMachineArn=sm, name="run1",
                       input='{"other": 1}'), "ExecutionAlreadyExists",
          "same name")
    error(await c.call("StartExecution", stateMachineArn=sm,
                       input="{bad"), "InvalidExecutionInput", "bad input")
    error(await c.call("StartExecution", stateMachineArn=sm,
                       name="no/slash"), "InvalidName", "bad name")
    error(await c.call("StartExecution", stateMachineArn=sm + "nope"),
          "StateMachineDoesNotExist", "unknown machine")
    error(await c.call("StartExecution", stateMachineArn=sm, wait="yes"),
          "ValidationException", "wait not a boolean")
    error(await c.call("StartSyncExecution", stateMachineArn=sm),
          "StateMachineTypeNotSupported", "sync on standard")
    d = result(await c.call("DescribeExecution", executionArn=xa),
               "DescribeExecution")
    check(d["status"] == "SUCCEEDED" and d["stateMachineArn"] == sm and
          json.loads(d["input"]) == {"v": 7}, "describe: %s" % d)
    error(await c.call("DescribeExecution", executionArn=xa + "x"),
          "ExecutionDoesNotExist", "describe unknown")
    error(await c.call("GetExecutionHistory", executionArn=xa + "x"),
          "ExecutionDoesNotExist", "history unknown")
    le = result(await c.call("ListExecutions", stateMachineArn=sm,
                             statusFilter="SUCCEEDED"), "ListExecutions")
    check(xa in [x["executionArn"] for x in le["executions"]],
          "ListExecutions: %s" % le)
    error(await c.call("ListExecutions", stateMachineArn=sm,
                       statusFilter="DONE"), "ValidationException",
          "bad statusFilter")
    ok("StartExecution, DescribeExecution, ListExecutions and errors")

    # A failing task fails the execution with the function's error.
    fm = result(await c.call("CreateStateMachine", name=pre + "fails",
                             definition=three_tasks(a.fail)), "Create")
    r = result(await c.call("StartExecution", wait=True,
                            stateMachineArn=fm["stateMachineArn"]), "fail")
    check(r["status"] == "FAILED" and r.get("error"), "failed: %s" % r)
    ok("a failing Task: FAILED with error %s" % r["error"])

    # Stop a running execution (a long Wait).
    wm = result(await c.call("CreateStateMachine", name=pre + "waits",
                             definition=json.dumps({
                                 "StartAt": "W", "States": {"W": {
                                     "Type": "Wait", "Seconds": 600,
                                     "End": True}}})), "Create")
    r = result(await c.call("StartExecution",
                            stateMachineArn=wm["stateMachineArn"]), "start")
    st = result(await c.call("StopExecution", executionArn=r["executionArn"],
                             error="Why", cause="testing"), "Stop")
    check("stopDate" in st, "stop reply: %s" % st)
    d = result(await c.call("DescribeExecution",
                            executionArn=r["executionArn"]), "describe")
    check(d["status"] == "ABORTED" and d.get("error") == "Why",
          "stopped: %s" % d)
    ok("StopExecution")

    # Express: StartSyncExecution replies with the result; not stored.
    em = result(await c.call("CreateStateMachine", name=pre + "express",
                             type="EXPRESS", definition=three_tasks(a.echo)),
                "Create express")
    r = result(await c.call("StartSyncExecution",
                            stateMachineArn=em["stateMachineArn"],
                            input='{"e": 1}'), "StartSyncExecution")
    check(r["status"] == "SUCCEEDED" and json.loads(r["output"]) ==
          {"e": 1} and ":express:" in r["executionArn"], "sync: %s" % r)
    ok("StartSyncExecution on an EXPRESS machine")

    u = result(await c.call("UpdateStateMachine", stateMachineArn=sm,
                            definition=three_tasks(a.echo)), "Update")
    check("revisionId" in u and "updateDate" in u, "update: %s" % u)
    error(await c.call("UpdateStateMachine", stateMachineArn=sm),
          "MissingRequiredParameter", "update nothing")
    error(await c.call("UpdateStateMachine", stateMachineArn=sm,
                       definition="{}"), "InvalidDefinition", "update bad")
    result(await c.call("DeleteStateMachine", stateMachineArn=sm), "Delete")
    error(await c.call("DescribeStateMachine", stateMachineArn=sm),
          "StateMachineDoesNotExist", "deleted")
    error(await c.call("DeleteStateMachine", stateMachineArn=sm + "q"),
          "StateMachineDoesNotExist", "delete unknown")
    ok("UpdateStateMachine, DeleteStateMachine")

    topic = pre + ".notes"
    for m in ("one", "two"):
        result(await c.call("Publish", topic=topic, Message=m), "Publish")
    n = result(await c.call("ListNotifications", topic=topic),
               "ListNotifications")
    check([x["Message"] for x in n["notifications"]] == ["one", "two"],
          "ListNotifications: %s" % n)
    ok("Publish stores; ListNotifications")
    await s.close()
    await c.close()


async def scenario_await(a):
    """Wait (bounded) for execution a.arn to reach a.status."""
    c = await Conn.open(a.url)
    result(await c.call("Subscribe", executionArn=a.arn), "Subscribe")
    deadline = time.monotonic() + TIMEOUT
    while True:
        d = result(await c.call("DescribeExecution", executionArn=a.arn),
                   "DescribeExecution")
        if d["status"] != "RUNNING":
            break
        try:
            await c.event(timeout=max(0.1, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            raise Fail("%s still RUNNING" % a.arn)
    check(d["status"] == a.status, "%s is %s, not %s" %
          (a.arn, d["status"], a.status))
    ok("%s %s" % (a.arn, d["status"]))
    await c.close()


async def scenario_hold(a):
    """Stay connected until the server closes; expect 1001 (stopping)."""
    c = await Conn.open(a.url)
    result(await c.call("ListFunctions"), "ListFunctions")
    print("connected", flush=True)
    code = await closed_code(c)
    check(code == 1001, "closed with %s, not 1001" % code)
    ok("closed with 1001 when the server stopped")


async def scenario_many(a):
    # This client needs a descriptor per connection too.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < a.n + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
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
                            "publish", "sfn", "await", "hold"])
    p.add_argument("--arn", default="")
    p.add_argument("--status", default="SUCCEEDED")
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
    run_main(fn(a))


if __name__ == "__main__":
    main()
