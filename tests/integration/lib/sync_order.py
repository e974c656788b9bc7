"""Check, in an strace -f log of one `sluice run` of db_insert, that the
process which took the writers' lock (flock LOCK_EX) let it go before any
sync, and synced (fsync/fdatasync) between letting it go and sending its
answer (sendmsg on the IPC channel). Prints what it found; exit 1 if not.

usage: sync_order.py TRACE"""
import re
import sys

CALL = re.compile(r"^(\d+)\s+(?:<\.\.\. )?([a-z_0-9]+)(?:\(| resumed>)(.*)")


def main(path):
    by_pid = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        m = CALL.match(line)
        if m is None or "resumed>" in line:
            continue
        pid, name, rest = m.groups()
        if name == "flock":
            name += " UN" if "LOCK_UN" in rest else " EX"
        if name in ("flock EX", "flock UN", "fsync", "fdatasync", "sendmsg"):
            by_pid.setdefault(pid, []).append(name)
    writers = [p for p, calls in by_pid.items() if "flock EX" in calls]
    if len(writers) != 1:
        print("expected one process taking the lock, found %d" % len(writers))
        return 1
    calls = by_pid[writers[0]]
    # The insert: the last lock taken, up to the answer sent after it.
    start = len(calls) - 1 - calls[::-1].index("flock EX")
    try:
        unlock = calls.index("flock UN", start)
        answer = calls.index("sendmsg", unlock)
    except ValueError:
        print("no unlock and answer after the last lock: %s" % calls[start:])
        return 1
    held = [c for c in calls[start:unlock] if c in ("fsync", "fdatasync")]
    after = [c for c in calls[unlock:answer] if c in ("fsync", "fdatasync")]
    print("under the lock: %d syncs; between unlock and answer: %d"
          % (len(held), len(after)))
    return 0 if not held and after else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
