#!/usr/bin/python3
"""Step Functions semantics of sluiced's stored executions, as AWS has them:
execution names (rules, uniqueness, idempotent starts), StopExecution with
error and cause, ListExecutions and GetExecutionHistory paging,
UpdateStateMachine and DeleteStateMachine with executions running, the
25,000-event history quota, Express executions kept out of the store, and a
full disk that fails the request it hits and loses nothing committed.

usage: durable_api.py --sluiced PATH --data DIR --functions DIR --logs DIR"""
import argparse
import asyncio
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sluice_ws import Conn, check, result, error, ok, run_main  # noqa: E402
from durable import Daemon, TIMEOUT, list_all, history  # noqa: E402


def pass_chain(n, result_value=None):
    states = {}
    for i in range(n):
        s = {"Type": "Pass"}
        if i + 1 < n:
            s["Next"] = "P%d" % (i + 1)
        else:
            s["End"] = True
        if result_value is not None and i + 1 == n:
            s["Result"] = result_value
        states["P%d" % i] = s
    return {"StartAt": "P0", "States": states}


def waits(seconds, then=None):
    d = {"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": seconds, "Next": "P"},
        "P": {"Type": "Pass", "End": True}}}
    if then is not None:
        d["States"]["P"]["Result"] = then
    return d


async def create(c, name, definition, **kw):
    r = result(await c.call("CreateStateMachine", name=name,
                            definition=json.dumps(definition), **kw),
               "CreateStateMachine " + name)
    return r["stateMachineArn"]


async def until(what, fn):
    """Poll the condition fn() (async) until true; bounded."""
    deadline = time.time() + TIMEOUT
    while True:
        v = await fn()
        if v:
            return v
        check(time.time() < deadline, "timed out: " + what)
        await asyncio.sleep(0.05)


async def describe(c, arn):
    return result(await c.call("DescribeExecution", executionArn=arn),
                  "DescribeExecution")


async def ended(c, arn):
    async def f():
        d = await describe(c, arn)
        return d if d["status"] != "RUNNING" else None
    return await until("end of " + arn, f)


async def names_and_stop(c, long_sm):
    for bad, why in (("a" * 81, "81 characters"), ("has space", "space"),
                     ("a/b", "/"), ("a:b", ":"), ("x\u0001", "control"),
                     ("", "empty"), ("br{ace", "{")):
        e = error(await c.call("StartExecution", stateMachineArn=long_sm,
                               name=bad), "InvalidName", "name " + why)
    r = result(await c.call("StartExecution", stateMachineArn=long_sm,
                            name="\u00e9" * 80), "80 characters")
    check(r["executionArn"].endswith(":" + "\u00e9" * 80), "80 chars ARN")
    ok("execution names: 1-80 characters, AWS's forbidden ones refused")

    first = result(await c.call("StartExecution", stateMachineArn=long_sm,
                                name="once", input='{"a": 1}'), "start")
    again = result(await c.call("StartExecution", stateMachineArn=long_sm,
                                name="once", input='{"a": 1}'), "again")
    check(again == first, "idempotent start: %s vs %s" % (again, first))
    error(await c.call("StartExecution", stateMachineArn=long_sm,
                       name="once", input='{"a": 2}'),
          "ExecutionAlreadyExists", "same name, other input")
    arn = first["executionArn"]
    st = result(await c.call("StopExecution", executionArn=arn,
                             error="Operator.Stop", cause="no longer wanted"),
                "StopExecution")
    check(st.get("stopDate"), "stopDate: %s" % st)
    d = await describe(c, arn)
    check(d["status"] == "ABORTED" and d.get("error") == "Operator.Stop" and
          d.get("cause") == "no longer wanted", "stopped: %s" % d)
    h = await history(c, arn)
    check(h[-1]["type"] == "ExecutionAborted", "last event %s" % h[-1])
    det = h[-1].get("executionAbortedEventDetails", {})
    check(det.get("error") == "Operator.Stop" and
          det.get("cause") == "no longer wanted", "aborted details %s" % det)
    error(await c.call("StartExecution", stateMachineArn=long_sm,
                       name="once", input='{"a": 1}'),
          "ExecutionAlreadyExists", "the name of a closed execution")
    error(await c.call("StopExecution", executionArn=arn + "x"),
          "ExecutionDoesNotExist", "stop unknown")
    ok("names unique per machine (idempotent while running with the same "
       "input); StopExecution: ABORTED with error, cause, ExecutionAborted")


async def paging(c, long_sm, quick_sm):
    running = []
    for i in range(25):
        running.append(result(await c.call(
            "StartExecution", stateMachineArn=long_sm, name="r%02d" % i),
            "start")["executionArn"])
    done = []
    for i in range(7):
        r = result(await c.call("StartExecution", stateMachineArn=quick_sm,
                                name="q%d" % i, wait=True), "start quick")
        check(r["status"] == "SUCCEEDED", "quick: %s" % r)
        done.append(r["executionArn"])
    pages, token, got = 0, None, []
    while True:
        p = {"stateMachineArn": long_sm, "statusFilter": "RUNNING",
             "maxResults": 10}
        if token:
            p["nextToken"] = token
        r = result(await c.call("ListExecutions", **p), "ListExecutions")
        check(len(r["executions"]) <= 10, "page over maxResults")
        got += r["executions"]
        pages += 1
        token = r.get("nextToken")
        if not token:
            break
        bad = dict(p, statusFilter="SUCCEEDED", nextToken=token)
        error(await c.call("ListExecutions", **bad), "InvalidToken",
              "token with another statusFilter")
    arns = [e["executionArn"] for e in got]
    check(len(arns) == len(set(arns)), "a page repeated an execution")
    check(set(running) <= set(arns), "RUNNING pages lack executions")
    check(all(e["status"] == "RUNNING" for e in got), "statusFilter")
    starts = [e["startDate"] for e in got]
    check(starts == sorted(starts, reverse=True), "not newest first")
    check(pages >= 3, "%d pages for %d items" % (pages, len(got)))
    q = await list_all(c, quick_sm, "SUCCEEDED")
    check(sorted(e["executionArn"] for e in q) == sorted(done),
          "SUCCEEDED filter: %s" % q)
    check(await list_all(c, quick_sm, "FAILED") == [], "FAILED filter")
    error(await c.call("ListExecutions", stateMachineArn=long_sm,
                       nextToken="garbage"), "InvalidToken", "bad token")
    error(await c.call("ListExecutions", stateMachineArn=long_sm,
                       maxResults=1001), "ValidationException",
          "maxResults 1001")
    ok("ListExecutions: statusFilter, maxResults, nextToken (%d pages, "
       "newest first, no repeats)" % pages)

    x = done[0]
    full = result(await c.call("GetExecutionHistory", executionArn=x,
                               maxResults=1000), "history")["events"]
    check(len(full) > 10, "history of %d events" % len(full))
    for rev in (False, True):
        evs, token = [], None
        while True:
            p = {"executionArn": x, "maxResults": 4, "reverseOrder": rev}
            if token:
                p["nextToken"] = token
            r = result(await c.call("GetExecutionHistory", **p), "page")
            check(len(r["events"]) <= 4, "history page over maxResults")
            evs += r["events"]
            token = r.get("nextToken")
            if not token:
                break
        check(evs == (full[::-1] if rev else full),
              "history pages (reverse=%s) differ from the whole" % rev)
    lean = result(await c.call("GetExecutionHistory", executionArn=x,
                               maxResults=1000, includeExecutionData=False),
                  "lean history")["events"]
    check(len(lean) == len(full), "lean history length")
    for e in lean:
        for k, v in e.items():
            if k.endswith("EventDetails"):
                check("input" not in v and "output" not in v,
                      "includeExecutionData=false kept data: %s" % e)
    check(any("input" in v for e in full for k, v in e.items()
              if k.endswith("EventDetails")), "no data in the full history")
    ok("GetExecutionHistory: maxResults, nextToken, reverseOrder, "
       "includeExecutionData")
    for arn in running:
        result(await c.call("StopExecution", executionArn=arn), "stop")


async def update_delete(c):
    sm = await create(c, "versions", waits(1, "v1"))
    old = result(await c.call("StartExecution", stateMachineArn=sm,
                              name="old"), "start old")["executionArn"]
    u = result(await c.call("UpdateStateMachine", stateMachineArn=sm,
                            definition=json.dumps(waits(1, "v2"))),
               "UpdateStateMachine")
    new = result(await c.call("StartExecution", stateMachineArn=sm,
                              name="new", wait=True), "start new")
    check(json.loads(new["output"]) == "v2", "new: %s" % new)
    d = await ended(c, old)
    check(json.loads(d["output"]) == "v1", "the running one changed "
          "definition: %s" % d)
    check(d["stateMachineRevisionId"] != u["revisionId"] and
          (await describe(c, new["executionArn"]))["stateMachineRevisionId"]
          == u["revisionId"], "revision ids")
    ok("UpdateStateMachine leaves a running execution on its definition")

    sm = await create(c, "doomed", waits(1, "finished"))
    s = await Conn.open(c.url)
    x = result(await c.call("StartExecution", stateMachineArn=sm,
                            name="last"), "start")["executionArn"]
    result(await s.call("Subscribe", executionArn=x), "Subscribe")
    result(await c.call("DeleteStateMachine", stateMachineArn=sm), "Delete")
    d = result(await c.call("DescribeStateMachine", stateMachineArn=sm),
               "DescribeStateMachine")
    check(d["status"] == "DELETING", "status %s" % d["status"])
    error(await c.call("StartExecution", stateMachineArn=sm),
          "StateMachineDeleting", "start on a DELETING machine")
    while True:
        m = await s.event()
        if m.get("event") == "ExecutionEvent" and \
                m["historyEvent"]["type"] in ("ExecutionSucceeded",
                                              "ExecutionFailed",
                                              "ExecutionAborted"):
            break
    check(m["historyEvent"]["type"] == "ExecutionSucceeded",
          "the running execution did not finish: %s" % m)

    async def gone():
        r = await c.call("DescribeStateMachine", stateMachineArn=sm)
        return "error" in r and \
            r["error"]["type"] == "StateMachineDoesNotExist"
    await until("the DELETING machine to go", gone)
    await s.close()
    ok("DeleteStateMachine with an execution running: DELETING, it "
       "finishes, then the machine is gone")


async def quota(c):
    loop = {"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Result": 0, "ResultPath": "$.n",
                 "Next": "Add"},
        "Add": {"Type": "Pass", "Parameters": {
            "n.$": "States.MathAdd($.n, 1)"}, "Next": "More"},
        "More": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericLessThan": 7000, "Next": "Add"}],
            "Default": "Done"},
        "Done": {"Type": "Succeed"}}}
    sm = await create(c, "endless", loop)
    r = result(await c.call("StartExecution", stateMachineArn=sm,
                            name="big", wait=True), "start big")
    check(r["status"] == "FAILED" and r.get("error") == "States.Runtime",
          "over the quota: %s" % {k: r.get(k) for k in
                                  ("status", "error", "cause")})
    last = result(await c.call("GetExecutionHistory",
                               executionArn=r["executionArn"],
                               reverseOrder=True, maxResults=1),
                  "last event")["events"][0]
    check(last["type"] == "ExecutionFailed" and last["id"] <= 25000,
          "last event: %s" % last)
    first = result(await c.call("GetExecutionHistory",
                                executionArn=r["executionArn"],
                                maxResults=1), "first")["events"][0]
    check(first["type"] == "ExecutionStarted", "first event %s" % first)
    ok("the 25,000-event quota fails the execution (States.Runtime, "
       "event %d)" % last["id"])


async def express(c, data):
    sm = await create(c, "fast", pass_chain(3, "out"), type="EXPRESS")
    r = result(await c.call("StartSyncExecution", stateMachineArn=sm,
                            name="sync1", input='{"x": 1}'), "sync")
    check(r["status"] == "SUCCEEDED" and json.loads(r["output"]) == "out",
          "sync: %s" % r)
    a = result(await c.call("StartExecution", stateMachineArn=sm,
                            name="async1"), "async express")
    check(":express:" in a["executionArn"], "express ARN %s" % a)
    error(await c.call("ListExecutions", stateMachineArn=sm),
          "StateMachineTypeNotSupported", "ListExecutions of EXPRESS")
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(
        data, "sluice.db"), uri=True)
    n = con.execute("SELECT count(*) FROM executions e JOIN state_machines"
                    " s ON s.id = e.sm_id WHERE s.arn = ?",
                    (sm,)).fetchone()[0]
    con.close()
    check(n == 0, "%d Express executions in the store" % n)
    ok("Express executions (StartSyncExecution, StartExecution) keep "
       "nothing in the store")


async def disk_full(a):
    data = os.path.join(a.data, "full")
    os.makedirs(data)
    d = Daemon(argparse.Namespace(sluiced=a.sluiced, data=data,
                                  functions=a.functions, logs=a.logs),
               "full")
    d.extra = ["--db-max-pages", "300"]
    d.start()
    c = await Conn.open(d.url)
    sm = await create(c, "filler", waits(1, "done"))
    acked, refused = [], None
    big = json.dumps({"pad": "x" * 20000})
    for i in range(200):
        r = await c.call("StartExecution", stateMachineArn=sm,
                         name="f%03d" % i, input=big)
        if "error" in r:
            refused = r["error"]
            break
        acked.append(r["result"]["executionArn"])
    check(refused is not None, "the capped database never filled")
    check(refused["type"] == "ServiceUnavailable" and
          "sluice.db" in refused["message"], "refusal: %s" % refused)
    check(acked, "nothing was accepted before the disk filled")
    # Still serving: reads work, and what was acknowledged is there.
    for arn in acked:
        await describe(c, arn)
    result(await c.call("ListStateMachines"), "ListStateMachines")
    d.stop()
    d.extra = []
    d.start()
    c = await Conn.open(d.url)
    for arn in acked:
        x = await ended(c, arn)
        check(x["status"] == "SUCCEEDED", "%s: %s" % (arn, x["status"]))
        check_continuous(arn, await history(c, arn))
    names = {e["name"] for e in await list_all(c, sm)}
    check(len(names) >= len(acked), "executions lost")
    d.stop()
    ok("a full disk refuses the request it hits (%s) after %d accepted "
       "starts; all of those finish after a restart" %
       (refused["type"], len(acked)))


async def retention(a):
    """--retention-days: finished executions older than that go at
    start-up (their start and stop dates are moved back in the file
    while the daemon is down); 0 keeps them."""
    data = os.path.join(a.data, "retention")
    os.makedirs(data)
    d = Daemon(argparse.Namespace(sluiced=a.sluiced, data=data,
                                  functions=a.functions, logs=a.logs),
               "retention")
    d.start()
    c = await Conn.open(d.url)
    sm = await create(c, "kept", pass_chain(2))
    arns = {}
    for name in ("old", "older", "new"):
        r = result(await c.call("StartExecution", stateMachineArn=sm,
                                name=name, wait=True), "start " + name)
        arns[name] = r["executionArn"]
    d.stop()
    con = sqlite3.connect(os.path.join(data, "sluice.db"))
    day = 86400 * 1000
    for name, days in (("old", 91), ("older", 400), ("new", 89)):
        n = con.execute("UPDATE executions SET start_date = start_date - "
                        "?, stop_date = stop_date - ? WHERE name = ? AND "
                        "sm_id = (SELECT id FROM state_machines WHERE "
                        "arn = ?)", (days * day, days * day, name,
                                     sm)).rowcount
        check(n == 1, "%s: %d rows moved back" % (arns[name], n))
    con.commit()
    con.close()
    d.extra = ["--retention-days", "0"]
    d.start()
    c = await Conn.open(d.url)
    for name in arns:
        await describe(c, arns[name])
    d.stop()
    d.extra = ["--retention-days", "90"]
    d.start()
    c = await Conn.open(d.url)

    async def pruned():
        r = await c.call("DescribeExecution", executionArn=arns["older"])
        return "error" in r
    await until("the pruning at start-up", pruned)
    for name in ("old", "older"):
        error(await c.call("DescribeExecution", executionArn=arns[name]),
              "ExecutionDoesNotExist", name + " after 90 days")
    await describe(c, arns["new"])
    d.stop()
    ok("--retention-days 90 deletes finished executions stopped over 90 "
       "days ago at start-up; 0 keeps them")


def check_continuous(arn, h):
    ids = [e["id"] for e in h]
    check(ids == list(range(1, len(h) + 1)), "%s: ids %s" % (arn, ids))
    check(h[-1]["type"] == "ExecutionSucceeded", "%s: ends %s" %
          (arn, h[-1]["type"]))


async def run(a):
    d = Daemon(a, "api")
    d.start()
    c = await Conn.open(d.url)
    c.url = d.url
    long_sm = await create(c, "long", waits(600))
    quick_sm = await create(c, "quick", pass_chain(5))
    await names_and_stop(c, long_sm)
    await paging(c, long_sm, quick_sm)
    await update_delete(c)
    await quota(c)
    await express(c, a.data)
    d.stop()
    await disk_full(a)
    await retention(a)
    print("durable_api: all checks passed", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sluiced", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--functions", required=True)
    p.add_argument("--logs", required=True)
    a = p.parse_args()
    run_main(run(a))


if __name__ == "__main__":
    main()
