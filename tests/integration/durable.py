#!/usr/bin/python3
"""Durable executions through kill -9: runs a few hundred Standard
executions mixing Wait, Retry and Task states on a real sluiced, kills the
daemon with SIGKILL at moments chosen by watching the pushed history events
(during a Wait, during a Task, during a burst of commits), restarts it on the
same data directory, and checks that every execution reached exactly one
terminal state with a continuous history, that Waits kept their wake-up
times, retries their attempt counts, that Tasks in flight were invoked again,
and that the signup database holds each user exactly once.

usage: durable.py --sluiced PATH --data DIR --functions DIR --logs DIR
                  [--signup FILE.asl.json]"""
import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sluice_ws import Conn, check, result, ok, run_main  # noqa: E402


TIMEOUT = 30          # seconds: the bound on any one wait
LAMBDA = "arn:aws:lambda:us-east-1:000000000000:function:"
TERMINAL = {"ExecutionSucceeded": "SUCCEEDED", "ExecutionFailed": "FAILED",
            "ExecutionAborted": "ABORTED", "ExecutionTimedOut": "TIMED_OUT"}
N_MIX = 150           # Wait, Task, Task with retries
N_TICK = 3            # short Waits: their end is the moment to kill
N_THREE = 100         # three quick Tasks each
# Signups: fewer than db_insert's queue (64 waiting invocations) holds, as
# the example's definition gives up on throttling after 6 retries.
N_SIGNUP = 50

# Wait (6-8 s), a Task in flight 1-2 s, a Task that fails and is retried
# twice (1 s apart) then caught. Throttling (hundreds of Tasks at once) is
# retried as AWS advises.
THROTTLED = {"ErrorEquals": ["Lambda.TooManyRequestsException"],
             "IntervalSeconds": 1, "MaxAttempts": 20, "BackoffRate": 1.2,
             "JitterStrategy": "FULL"}
MIX = {"StartAt": "W", "States": {
    "W": {"Type": "Wait", "SecondsPath": "$.wait", "Next": "T1"},
    "T1": {"Type": "Task", "Resource": LAMBDA + "nap",
           "Parameters": {"ms.$": "$.ms"}, "ResultPath": "$.t1",
           "Retry": [THROTTLED], "Next": "R"},
    "R": {"Type": "Task", "Resource": LAMBDA + "nap",
          "Parameters": {"ms": 50, "fail": True},
          "Retry": [{"ErrorEquals": ["NapError"], "IntervalSeconds": 1,
                     "MaxAttempts": 2, "BackoffRate": 1.0}, THROTTLED],
          "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err",
                     "Next": "Done"}],
          "End": True},
    "Done": {"Type": "Pass", "End": True}}}
TICK = {"StartAt": "W", "States": {
    "W": {"Type": "Wait", "Seconds": 3, "Next": "P"},
    "P": {"Type": "Pass", "End": True}}}
THREE = {"StartAt": "A", "States": {
    s: dict({"Type": "Task", "Resource": LAMBDA + "id_function",
             "Retry": [THROTTLED]}, **nxt)
    for s, nxt in (("A", {"Next": "B"}), ("B", {"Next": "C"}),
                   ("C", {"End": True}))}}


class Daemon:
    """sluiced on --port 0, restarted on the same data directory; keeps the
    times it was down: [(killed_at, listening_again_at)]."""

    def __init__(self, a, tag="sluiced"):
        self.a = a
        self.tag = tag
        self.proc = None
        self.runs = 0
        self.downtimes = []
        self.killed_at = None
        self.extra = []

    def start(self):
        self.runs += 1
        log = os.path.join(self.a.logs, "%s-%d.log" % (self.tag,
                                                        self.runs))
        self.log = log
        with open(log, "w") as f:
            self.proc = subprocess.Popen(
                [self.a.sluiced, "--port", "0", "--data", self.a.data,
                 "--functions", self.a.functions, "--grace", "5"] +
                self.extra,
                stdout=f, stderr=subprocess.STDOUT)
        deadline = time.time() + TIMEOUT
        port = None
        while port is None:
            check(self.proc.poll() is None, "sluiced exited (%s): %s" %
                  (self.proc.returncode, tail(log)))
            check(time.time() < deadline, "no listening line in " + log)
            for line in open(log):
                if "event=listening" in line:
                    port = int(line.split("port=")[1].split()[0])
            if port is None:
                time.sleep(0.02)
        if self.killed_at is not None:
            self.downtimes.append((self.killed_at, time.time()))
            self.killed_at = None
        self.url = "ws://127.0.0.1:%d/ws" % port

    def kill9(self):
        self.killed_at = time.time()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(TIMEOUT)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(TIMEOUT)
        check(rc == 0, "sluiced exited %s on SIGTERM: %s" % (rc,
                                                            tail(self.log)))


def tail(path):
    try:
        return "".join(open(path).readlines()[-15:])
    except OSError:
        return ""


async def connect(d, sms):
    """A connection subscribed to every machine's executions."""
    c = await Conn.open(d.url)
    for arn in sms.values():
        result(await c.call("Subscribe", stateMachineArn=arn), "Subscribe")
    return c


async def watch(c, pred, count, what):
    """Read pushed history events until pred has held for count of them;
    returns those. Bounded."""
    got = []
    deadline = time.time() + TIMEOUT
    while len(got) < count:
        left = deadline - time.time()
        check(left > 0, "timed out waiting for %d %s (saw %d)" %
              (count, what, len(got)))
        try:
            m = await c.event(left)
        except asyncio.TimeoutError:
            continue
        if m.get("event") != "ExecutionEvent":
            continue
        if pred(m["executionArn"], m["historyEvent"]):
            got.append((m["executionArn"], m["historyEvent"]))
    return got


async def start_many(c, sm, names_inputs):
    """Send StartExecution for each (name, input) at once; returns the
    futures of their replies by name."""
    futs = {}
    for name, inp in names_inputs:
        futs[name] = await c.send({"action": "StartExecution",
                                   "stateMachineArn": sm, "name": name,
                                   "input": json.dumps(inp)})
    return futs


def acked(futs):
    """Names whose start was answered with a result (durable by then)."""
    out = set()
    for name, f in futs.items():
        if f.done() and not f.cancelled() and f.exception() is None:
            r = f.result()
            check("result" in r, "start %s refused: %s" % (name, r))
            out.add(name)
    return out


async def list_all(c, sm, status=None):
    items, token = [], None
    while True:
        p = {"stateMachineArn": sm, "maxResults": 100}
        if token:
            p["nextToken"] = token
        if status:
            p["statusFilter"] = status
        r = result(await c.call("ListExecutions", **p), "ListExecutions")
        items += r["executions"]
        token = r.get("nextToken")
        if not token:
            return items


async def history(c, arn):
    events, token = [], None
    while True:
        p = {"executionArn": arn, "maxResults": 200}
        if token:
            p["nextToken"] = token
        r = result(await c.call("GetExecutionHistory", **p), "history")
        events += r["events"]
        token = r.get("nextToken")
        if not token:
            return events


def state_events(events, state):
    """The events from state's (last) entry to its exit."""
    out, inside = [], False
    for e in events:
        det = e.get("stateEnteredEventDetails")
        if e["type"].endswith("StateEntered"):
            inside = det is not None and det.get("name") == state
        if inside:
            out.append(e)
    return out


def check_history(arn, status, events):
    check(events, "%s: no history" % arn)
    ids = [e["id"] for e in events]
    check(ids == list(range(1, len(ids) + 1)),
          "%s: ids not 1..%d: %s" % (arn, len(ids), ids[:40]))
    # No Parallel or Map here: as on AWS each event follows the one
    # before, but the first state's event and an abort's name 0.
    for e in events:
        want = (0 if e["id"] == 2 or e["type"] == "ExecutionAborted"
                else e["id"] - 1)
        check(e.get("previousEventId") == want,
              "%s: event %d (%s) has previousEventId %s, not %d" %
              (arn, e["id"], e["type"], e.get("previousEventId"), want))
    ends = [e for e in events if e["type"] in TERMINAL]
    check(len(ends) == 1, "%s: %d terminal events" % (arn, len(ends)))
    check(events[-1]["type"] in TERMINAL, "%s: last event %s" %
          (arn, events[-1]["type"]))
    check(TERMINAL[ends[0]["type"]] == status, "%s: status %s, end %s" %
          (arn, status, ends[0]["type"]))
    check(events[0]["type"] == "ExecutionStarted", "%s: starts with %s" %
          (arn, events[0]["type"]))


async def run(a):
    d = Daemon(a)
    d.start()
    c = await Conn.open(d.url)
    defs = {"mix": MIX, "tick": TICK, "three": THREE}
    if a.signup:
        defs["signup"] = json.load(open(a.signup))
    sms = {}
    for name, definition in defs.items():
        r = result(await c.call("CreateStateMachine", name=name,
                                definition=json.dumps(definition)),
                   "CreateStateMachine " + name)
        sms[name] = r["stateMachineArn"]
    for arn in sms.values():
        result(await c.call("Subscribe", stateMachineArn=arn), "Subscribe")
    inputs = {}
    started = {}   # name -> machine
    if a.signup:
        # One signup first: the example's db_insert creates its schema in
        # init(), which is not written for a crowd of first starts.
        inputs["user-first"] = {"email": "first@example.com",
                                "name": "First"}
        r = result(await c.call("StartExecution", stateMachineArn=sms[
            "signup"], name="user-first", wait=True,
            input=json.dumps(inputs["user-first"])), "first signup")
        check(r["status"] == "SUCCEEDED", "first signup: %s" % r)

    # 1. Kill during the Waits: once the 3 s ticks are over, the 6-8 s
    # Waits of the mix executions are well under way (restarting them
    # would make them 3 s late, at least).
    mix = [("mix-%d" % i, {"wait": 6 + i % 3, "ms": 1000 + (i * 7) % 1000})
           for i in range(N_MIX)]
    futs = await start_many(c, sms["mix"], mix)
    ticks = await start_many(c, sms["tick"],
                             [("tick-%d" % i, {}) for i in range(N_TICK)])
    for n, i in mix:
        inputs[n] = i
        started[n] = "mix"
    for n in ticks:
        started[n] = "tick"
    await watch(c, lambda arn, e: ":tick:" in arn and
                e["type"] == "WaitStateExited", 1, "tick WaitStateExited")
    for f in list(futs.values()) + list(ticks.values()):
        await asyncio.wait_for(f, TIMEOUT)
    must_exist = acked(futs) | acked(ticks)
    check(len(must_exist) == N_MIX + N_TICK, "starts answered: %d" %
          len(must_exist))
    d.kill9()
    ok("killed during %d Waits" % N_MIX)

    # 2. Kill during Tasks: T1 naps 1-2 s; its LambdaFunctionStarted is
    # pushed only once committed.
    d.start()
    c = await connect(d, sms)
    current = {}

    def t1_started(arn, e):
        det = e.get("stateEnteredEventDetails")
        if det is not None:
            current[arn] = det.get("name")
        return e["type"] == "LambdaFunctionStarted" and \
            current.get(arn) == "T1"
    victims = await watch(c, t1_started, 10, "T1 LambdaFunctionStarted")
    d.kill9()
    in_flight = {arn: e["timestamp"] for arn, e in victims}
    ok("killed during %d Tasks in flight" % len(in_flight))

    # 3. Kill during a burst of commits: hundreds of starts and steps, the
    # kill after a few hundred events have been committed and pushed.
    d.start()
    c = await connect(d, sms)
    burst = [("three-%d" % i, {"n": i}) for i in range(N_THREE)]
    futs = await start_many(c, sms["three"], burst)
    for n, _ in burst:
        started[n] = "three"
    if a.signup:
        users = [("user-%d" % i, {"email": "user%d@example.com" % i,
                                  "name": "User %d" % i})
                 for i in range(N_SIGNUP)]
        futs.update(await start_many(c, sms["signup"], users))
        for n, i in users:
            inputs[n] = i
            started[n] = "signup"
    await watch(c, lambda arn, e: True, 500, "events of the burst")
    must_exist |= acked(futs)
    d.kill9()
    ok("killed during a burst of commits (%d starts answered of %d)" %
       (len(acked(futs)), len(futs)))

    # 4. Restart and let everything finish.
    d.start()
    c = await Conn.open(d.url)
    deadline = time.time() + 90
    while True:
        running = 0
        for sm in sms.values():
            running += len(await list_all(c, sm, "RUNNING"))
        if running == 0:
            break
        check(time.time() < deadline, "%d executions still running" %
              running)
        await asyncio.sleep(0.2)

    # Every execution: one terminal state, a continuous history.
    seen = {}
    for name, sm in sms.items():
        for e in await list_all(c, sm):
            seen[e["name"]] = (name, e)
    missing = sorted(must_exist - set(seen))
    check(not missing, "answered starts missing after restarts: %s" %
          missing[:10])
    histories = {}
    for n, (machine, e) in seen.items():
        check(e["status"] != "RUNNING", "%s still running" % n)
        h = await history(c, e["executionArn"])
        check_history(e["executionArn"], e["status"], h)
        histories[n] = h
    ok("%d executions, each with one terminal state and a continuous "
       "history (%d events)" % (len(seen),
                                sum(len(h) for h in histories.values())))

    # Waits kept their wake-up times: never early, and late only by the
    # time the daemon was down when they were due.
    late = 0
    for n, h in histories.items():
        if seen[n][0] != "mix":
            continue
        check(seen[n][1]["status"] == "SUCCEEDED", "%s: %s: %s" %
              (n, seen[n][1]["status"], json.dumps(h[-6:])[:1500]))
        entered = [e for e in h if e["type"] == "WaitStateEntered"]
        exited = [e for e in h if e["type"] == "WaitStateExited"]
        check(len(entered) == 1 and len(exited) == 1, "%s: waits" % n)
        due = entered[0]["timestamp"] / 1000.0 + inputs[n]["wait"]
        woke = exited[0]["timestamp"] / 1000.0
        bound = due
        for down, up in d.downtimes:
            if down <= due <= up:
                bound = up
        check(woke >= due - 0.01, "%s: woke %.3f s early" % (n, due - woke))
        check(woke <= bound + 2.0, "%s: woke %.3f s after its wake-up "
              "time (bound %.3f)" % (n, woke - due, bound - due))
        late = max(late, woke - bound)
    ok("Waits woke at their original times across restarts (worst %.3f s "
       "late)" % late)

    # Retries kept their counts: exactly 1 + 2 failed attempts of R.
    for n, h in histories.items():
        if seen[n][0] != "mix":
            continue
        r = state_events(h, "R")
        failed = [e for e in r if e["type"] == "LambdaFunctionFailed" and
                  e["lambdaFunctionFailedEventDetails"]["error"] ==
                  "NapError"]
        check(len(failed) == 3, "%s: R failed %d times, not 3" %
              (n, len(failed)))
    ok("each retried Task failed exactly 3 times (MaxAttempts 2) across "
       "restarts")

    # Tasks in flight at the kill were invoked again, in the history.
    again = 0
    for arn in in_flight:
        n = arn.rsplit(":", 1)[1]
        t1 = state_events(histories[n], "T1")
        sched = [e for e in t1 if e["type"] == "LambdaFunctionScheduled"]
        done = [e for e in t1 if e["type"] == "LambdaFunctionSucceeded"]
        check(len(done) == 1, "%s: T1 succeeded %d times" % (n, len(done)))
        if done[0]["timestamp"] / 1000.0 > d.downtimes[1][0]:
            check(len(sched) >= 2, "%s: T1 in flight at the kill was not "
                  "invoked again: %s" % (n, [e["type"] for e in t1]))
            again += 1
    check(again > 0, "no Task was in flight at the kill")
    ok("%d Tasks in flight at the kill were invoked again and show it" %
       again)

    if a.signup:
        signups = [n for n in seen if seen[n][0] == "signup"]
        for n in signups:
            e = seen[n][1]
            check(e["status"] == "SUCCEEDED", "%s: %s: %s" % (
                n, e["status"], json.dumps(histories[n][-4:])[:1500]))
        db = os.path.join(a.data, "signup", "signup.db")
        check(os.path.exists(db), "no " + db)
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        rows = con.execute("SELECT email, id FROM signup_users").fetchall()
        con.close()
        emails = [r[0] for r in rows]
        check(len(emails) == len(set(emails)), "duplicate users in %s" % db)
        ids = dict(rows)
        for n in signups:
            e = seen[n][1]
            out = json.loads(result(await c.call(
                "DescribeExecution", executionArn=e["executionArn"]),
                "DescribeExecution")["output"])
            email = inputs[n]["email"]
            check(ids.get(email) == out["userId"],
                  "%s: user %s is %s in the database, %s in the output" %
                  (n, email, ids.get(email), out["userId"]))
        check(len(rows) == len(signups), "%d users in the database for %d "
              "signups" % (len(rows), len(signups)))
        ok("the signup database holds each of %d users exactly once" %
           len(rows))
    d.stop()
    print("durable: %d executions through %d kill -9s, all checks passed" %
          (len(seen), len(d.downtimes)), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sluiced", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--functions", required=True)
    p.add_argument("--logs", required=True)
    p.add_argument("--signup", default="")
    a = p.parse_args()
    run_main(run(a))


if __name__ == "__main__":
    main()
