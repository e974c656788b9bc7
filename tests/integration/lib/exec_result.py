#!/usr/bin/python3
"""Summarise what `sluice exec ... --history` printed, as one JSON object.

exec_result.py STDOUT_FILE EXIT_CODE > summary.json

sluice exec prints the history events (one JSON object per line, AWS's
event shapes), then either the output JSON (exit 0) or the lines
"FAILED" / "error: NAME" / "cause: TEXT" (exit 1). The summary is:
  {"status": "SUCCEEDED"|"FAILED"|..., "output": ..., "error": ...,
   "cause": ..., "entered": [state names in order],
   "lambdaFailed": [error names of LambdaFunctionFailed events],
   "scheduled": {function name: count of LambdaFunctionScheduled},
   "types": [event types in order]}
"""
import json
import sys


def main():
    lines = open(sys.argv[1], encoding="utf-8", errors="replace") \
        .read().splitlines()
    code = int(sys.argv[2])
    events, rest = [], []
    for line in lines:
        s = line.strip()
        if s.startswith("{"):
            try:
                obj = json.loads(s)
            except ValueError:
                obj = None
            if isinstance(obj, dict) and "type" in obj and \
                    ("id" in obj or "timestamp" in obj):
                events.append(obj)
                continue
        rest.append(line)
    out = {"status": "SUCCEEDED" if code == 0 else "FAILED",
           "output": None, "error": None, "cause": None}
    if code == 0:
        for line in reversed(rest):
            try:
                out["output"] = json.loads(line)
                break
            except ValueError:
                continue
    else:
        for line in rest:
            if line.startswith("error: "):
                out["error"] = line[len("error: "):]
            elif line.startswith("cause: "):
                out["cause"] = line[len("cause: "):]
            elif line.strip() in ("FAILED", "TIMED_OUT", "ABORTED"):
                out["status"] = line.strip()
    entered, failed, sched, types = [], [], {}, []
    for ev in events:
        t = ev.get("type")
        types.append(t)
        if t.endswith("StateEntered"):
            d = ev.get("stateEnteredEventDetails", {})
            entered.append(d.get("name"))
        elif t == "LambdaFunctionFailed":
            d = ev.get("lambdaFunctionFailedEventDetails", {})
            failed.append(d.get("error"))
        elif t == "LambdaFunctionScheduled":
            d = ev.get("lambdaFunctionScheduledEventDetails", {})
            name = str(d.get("resource", "")).rsplit(":", 1)[-1]
            sched[name] = sched.get(name, 0) + 1
        elif t == "ExecutionFailed" and out["error"] is None:
            d = ev.get("executionFailedEventDetails", {})
            out["error"] = d.get("error")
            out["cause"] = d.get("cause")
    out.update(entered=entered, lambdaFailed=failed, scheduled=sched,
               types=types)
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
