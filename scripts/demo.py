#!/usr/bin/python3
"""The signup demo's client: everything over sluiced's WebSocket API.

demo.py --url ws://127.0.0.1:PORT/ws --definition functions/signup.asl.json
        --data DATA_DIR [--database-url postgres://...] [--smtp-url URL]
        [--tag TAG]

Subscribes to the topic "admin", deploys the signup workflow, subscribes to
its executions, starts a handful of signups (one of them a duplicate, two
invalid), prints each execution's progress as its history events arrive,
then a summary read from the real outputs: the users in the database, the
mails in the Maildir (one shown), the admin notifications received and the
failed executions with their causes. Exits 1 when an outcome is not the
expected one, or when anything takes longer than its bound.

--database-url: the users are read from that PostgreSQL database (with
psql) instead of the SQLite file; --smtp-url: the mails went to that SMTP
server, so the Maildir is not looked at; --tag: addresses become
NAME+TAG@example.org, so that a database kept from an earlier run does not
see them as duplicates.
"""
import argparse
import asyncio
import json
import glob
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import websockets

BOUND = 60  # seconds: the longest any step may take

SIGNUPS = [
    ("ada", {"email": "ada@example.org", "name": "Ada Lovelace"}),
    ("grace", {"email": "grace@example.org", "name": "Grace Hopper"}),
    ("linus", {"email": "linus@example.org", "name": "Linus Torvalds"}),
    ("barbara", {"email": "barbara@example.org", "name": "Barbara Liskov"}),
    ("bad-email", {"email": "not-an-email", "name": "Eve"}),
    ("no-name", {"email": "ken@example.org"}),
]
# Started once the first batch is done, so it meets Ada's row.
DUPLICATE = ("duplicate", {"email": "ADA@example.org", "name": "Ada Again"})
EXPECT_OK = 4
EXPECT_FAILED = {"bad-email": "ValidationError", "no-name": "ValidationError",
                 "duplicate": "UserAlreadyExists"}

TTY = sys.stdout.isatty()


def paint(code, text):
    return "\033[%sm%s\033[0m" % (code, text) if TTY else text


class DemoError(Exception):
    pass


class Client:
    """One WebSocket connection: requests matched to replies by id, pushed
    events handed to on_event in arrival order."""

    def __init__(self, ws, on_event):
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
                    self.on_event(msg)
                    continue
                fut = self.pending.pop(msg.get("id"), None)
                if fut is not None and not fut.done():
                    fut.set_result(msg)
        except websockets.ConnectionClosed:
            pass
        for fut in self.pending.values():
            if not fut.done():
                fut.set_exception(DemoError("the daemon closed the "
                                            "connection"))

    async def call(self, action, **params):
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = fut
        await self.ws.send(json.dumps(dict(params, action=action,
                                           id=self.next_id)))
        reply = await asyncio.wait_for(fut, BOUND)
        if "error" in reply:
            err = reply["error"]
            raise DemoError("%s: %s: %s" % (action, err.get("type"),
                                            err.get("message")))
        return reply.get("result", {})


class Progress:
    """Execution events and notifications as they arrive."""

    def __init__(self):
        self.names = {}       # executionArn -> short name
        self.early = []       # events that came before their StartExecution
        self.entered = {}     # (arn, state) -> time entered
        self.state = {}       # arn -> the state it is in
        self.error = {}       # arn -> the last error of its current state
        self.done = {}        # short name -> (status, detail)
        self.notifications = []
        self.changed = asyncio.Event()
        self.t0 = time.time() * 1000
        self.ts = None        # the current event's time, epoch ms

    def stamp(self):
        """When the current event happened (its own timestamp: events
        arrive in batches), in seconds since the demo started."""
        ts = self.ts if self.ts is not None else time.time() * 1000
        return "%7.3fs" % ((ts - self.t0) / 1000)

    def on_event(self, msg):
        if msg.get("event") == "Notification":
            self.on_notification(msg)
        elif msg.get("event") == "ExecutionEvent":
            arn = msg.get("executionArn")
            if arn not in self.names:
                self.early.append(msg)
                return
            self.on_history(self.names[arn], arn, msg.get("historyEvent",
                                                          {}))
        self.changed.set()

    def started(self, name, arn):
        self.names[arn] = name
        early, self.early = self.early, []
        for msg in early:
            self.on_event(msg)

    def on_notification(self, msg):
        self.ts = None
        try:
            body = json.loads(msg.get("Message", "{}"))
        except ValueError:
            body = {"summary": msg.get("Message")}
        self.notifications.append(body)
        print("%s  %s %s" % (self.stamp(), paint("35", "admin   "),
                             body.get("summary", body)), flush=True)

    def on_history(self, name, arn, ev):
        t = ev.get("type", "")
        label = "%-10s" % name
        ts = ev.get("timestamp")
        self.ts = ts if isinstance(ts, (int, float)) else None
        now = self.ts if self.ts is not None else time.time() * 1000
        if t.endswith("StateEntered"):
            state = ev.get("stateEnteredEventDetails", {}).get("name")
            self.entered[(arn, state)] = now
            self.state[arn] = state
            self.error.pop(arn, None)
            print("%s  %s -> %s" % (self.stamp(), label, state), flush=True)
        elif t.endswith("StateExited"):
            state = ev.get("stateExitedEventDetails", {}).get("name")
            t_in = self.entered.pop((arn, state), None)
            ms = "" if t_in is None else \
                " (%.0f ms)" % (now - t_in)
            err = self.error.pop(arn, None)
            how = "done" if err is None else "caught " + err
            print("%s  %s    %s %s%s" % (self.stamp(), label, state, how, ms),
                  flush=True)
        elif t == "LambdaFunctionScheduled" and arn in self.error:
            print("%s  %s    %s retrying after %s" % (
                self.stamp(), label, self.state.get(arn),
                self.error.pop(arn)), flush=True)
        elif t == "LambdaFunctionFailed":
            d = ev.get("lambdaFunctionFailedEventDetails", {})
            self.error[arn] = d.get("error")
            print("%s  %s    %s %s" % (self.stamp(), label,
                                       paint("33", "error"),
                                       d.get("error")), flush=True)
        elif t == "ExecutionSucceeded":
            out = ev.get("executionSucceededEventDetails", {}).get("output")
            self.done[name] = ("SUCCEEDED", out)
            print("%s  %s %s %s" % (self.stamp(), label,
                                    paint("32", "SUCCEEDED"), out),
                  flush=True)
        elif t in ("ExecutionFailed", "ExecutionTimedOut",
                   "ExecutionAborted"):
            d = ev.get("executionFailedEventDetails", {})
            status = t[len("Execution"):].upper()
            self.done[name] = (status, (d.get("error"), d.get("cause")))
            print("%s  %s %s %s" % (self.stamp(), label,
                                    paint("31", status), d.get("error")),
                  flush=True)

    async def wait(self, pred, what):
        deadline = time.monotonic() + BOUND
        while not pred():
            left = deadline - time.monotonic()
            if left <= 0:
                raise DemoError("timed out waiting for " + what)
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except asyncio.TimeoutError:
                pass


async def start(client, progress, machine, name, event):
    res = await client.call("StartExecution", stateMachineArn=machine,
                            name="signup-%s-%d" % (name, os.getpid()),
                            input=json.dumps(event))
    progress.started(name, res["executionArn"])


def tagged(tag, event):
    """The event with its address made unique to this run."""
    e = dict(event)
    if tag and "@" in e.get("email", ""):
        local, _, domain = e["email"].partition("@")
        e["email"] = "%s+%s@%s" % (local, tag, domain)
    return e


def pg_users(url, tag):
    """This run's users from PostgreSQL, through psql."""
    psql = shutil.which("psql") or \
        (sorted(glob.glob("/usr/lib/postgresql/*/bin/psql")) or [None])[-1]
    if psql is None:
        raise DemoError("psql is needed to read the users from PostgreSQL")
    sql = ("SELECT email, name, to_char(created_at AT TIME ZONE 'UTC', "
           "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), id FROM signup_users "
           "WHERE email_key LIKE '%%+%s@%%' ORDER BY created_at" % tag)
    out = subprocess.run([psql, "-X", "-A", "-t", "-F", "\t", "-d", url,
                          "-c", sql], capture_output=True, text=True,
                         timeout=BOUND)
    if out.returncode != 0:
        raise DemoError("psql: " + out.stderr.strip())
    return [tuple(line.split("\t")) for line in out.stdout.splitlines()
            if line]


def summary(a, progress):
    data = a.data
    print()
    print(paint("1", "Summary"))
    problems = []

    if a.database_url:
        db = "PostgreSQL"
        rows = pg_users(a.database_url, a.tag)
    else:
        db = os.path.join(data, "signup", "signup.db")
        rows = []
        if os.path.exists(db):
            con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
            rows = con.execute("SELECT email, name, created_at, id FROM "
                               "signup_users ORDER BY created_at").fetchall()
            con.close()
    print("\nUsers in the database (%s): %d" % (db, len(rows)))
    for email, name, created, uid in rows:
        print("  %-30s %-16s %s  %s" % (email, name, created, uid))
    if len(rows) != EXPECT_OK:
        problems.append("%d users in the database, expected %d"
                        % (len(rows), EXPECT_OK))

    if a.smtp_url:
        sent = [n for n, v in progress.done.items() if v[0] == "SUCCEEDED"
                and json.loads(v[1] or "{}").get("emailSent") is True]
        print("\nEmails handed to the SMTP server %s: %d"
              % (a.smtp_url, len(sent)))
        if len(sent) != EXPECT_OK:
            problems.append("%d mails sent, expected %d"
                            % (len(sent), EXPECT_OK))
    else:
        new = os.path.join(data, "mail", "new")
        mails = sorted(os.listdir(new)) if os.path.isdir(new) else []
        print("\nEmails in the Maildir (%s): %d" % (new, len(mails)))
        if mails:
            print("  one of them, %s:" % mails[0])
            with open(os.path.join(new, mails[0]), errors="replace") as f:
                for line in f.read().splitlines():
                    print("  | " + line)
        if len(mails) != EXPECT_OK:
            problems.append("%d mails, expected %d"
                            % (len(mails), EXPECT_OK))

    print("\nAdmin notifications received: %d" % len(progress.notifications))
    for n in progress.notifications:
        print("  %s  %s" % (n.get("event"), n.get("summary")))
    if len(progress.notifications) != EXPECT_OK:
        problems.append("%d admin notifications, expected %d"
                        % (len(progress.notifications), EXPECT_OK))

    failed = {k: v for k, v in progress.done.items() if v[0] != "SUCCEEDED"}
    print("\nFailed executions: %d" % len(failed))
    for name, (status, (error, cause)) in sorted(failed.items()):
        print("  %-10s %s %s: %s" % (name, status, error, cause))
    for name, want in EXPECT_FAILED.items():
        got = progress.done.get(name, ("?", (None, None)))
        if got[0] == "SUCCEEDED" or got[1][0] != want:
            problems.append("%s ended %s, expected %s" % (name, got, want))
    ok = [k for k, v in progress.done.items() if v[0] == "SUCCEEDED"]
    if len(ok) != EXPECT_OK:
        problems.append("%d executions succeeded, expected %d"
                        % (len(ok), EXPECT_OK))
    return problems


async def main_async(a):
    with open(a.definition) as f:
        definition = f.read()
    progress = Progress()
    ws = await asyncio.wait_for(websockets.connect(
        a.url, subprotocols=["sluice.v1"], max_size=16 << 20), BOUND)
    client = Client(ws, progress.on_event)
    try:
        await client.call("Subscribe", topic="admin")
        print("subscribed to topic admin")
        res = await client.call(
            "CreateStateMachine", name="signup", definition=definition,
            roleArn="arn:aws:iam::000000000000:role/sluice-demo")
        machine = res["stateMachineArn"]
        print("deployed %s" % machine)
        await client.call("Subscribe", stateMachineArn=machine)
        print("watching its executions; starting %d signups\n"
              % (len(SIGNUPS) + 1))
        await asyncio.gather(*(start(client, progress, machine, n,
                                     tagged(a.tag, e))
                               for n, e in SIGNUPS))
        await progress.wait(lambda: all(n in progress.done
                                        for n, _ in SIGNUPS),
                            "the first signups to finish")
        await start(client, progress, machine, DUPLICATE[0],
                    tagged(a.tag, DUPLICATE[1]))
        await progress.wait(lambda: DUPLICATE[0] in progress.done,
                            "the duplicate signup to finish")
        # Notifications are published before an execution records its
        # end, so they are all in by now; wait for stragglers all the same.
        await progress.wait(lambda: len(progress.notifications) >= EXPECT_OK,
                            "the admin notifications")
    finally:
        await ws.close()
        client.reader.cancel()
    return summary(a, progress)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--definition", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--database-url", default="")
    ap.add_argument("--smtp-url", default="")
    ap.add_argument("--tag", default="")
    a = ap.parse_args()
    if not a.tag.isalnum() and a.tag != "":
        ap.error("--tag takes letters and digits only")
    if a.database_url and not a.tag:
        ap.error("--database-url needs a --tag for this run's addresses")
    try:
        problems = asyncio.run(main_async(a))
    except (DemoError, OSError, asyncio.TimeoutError,
            websockets.WebSocketException) as e:
        print("demo: %s" % (e or type(e).__name__), file=sys.stderr)
        sys.exit(1)
    if problems:
        print("\ndemo: unexpected outcome: " + "; ".join(problems),
              file=sys.stderr)
        sys.exit(1)
    print("\ndemo: every outcome as expected")


if __name__ == "__main__":
    main()
