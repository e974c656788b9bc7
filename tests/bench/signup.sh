#!/bin/sh
# Benchmark: the signup pipeline end to end through sluiced's WebSocket API
# on the embedded defaults (SQLite, Maildir): signups/s with many in
# flight, and the latency of one signup at a time (p50/p99). JSON lines.
set -u
cd "$(dirname "$0")/../.."
: "${SLUICE_BUILD:?SLUICE_BUILD must name the build directory}"
. tests/integration/lib/services.sh

N=${SIGNUP_BENCH_N:-3000}
INFLIGHT=${SIGNUP_BENCH_INFLIGHT:-64}
[ -x "$SLUICE_BUILD/sluiced" ] || {
	echo "signup bench: no $SLUICE_BUILD/sluiced" >&2
	exit 1
}
svc_setup signup-bench
start_sluiced "$SVC_TMP/data" "$SLUICE_BUILD/functions" || exit 1
load()
{
	/usr/bin/python3 tests/integration/lib/signup_load.py \
	    --url "$SLUICED_URL" --definition functions/signup.asl.json "$@"
}
# Warm the workers and the caches first.
load --n 200 --inflight 32 --machine warm --prefix warm >/dev/null || exit 1
load --n "$N" --inflight "$INFLIGHT" --machine burst --prefix burst \
    >"$SVC_TMP/burst.json" || exit 1
load --n 300 --inflight 1 --connections 1 --machine one --prefix one \
    >"$SVC_TMP/one.json" || exit 1
/usr/bin/python3 - "$SVC_TMP/burst.json" "$SVC_TMP/one.json" "$N" \
    "$INFLIGHT" <<'PY'
import json, sys
burst = json.load(open(sys.argv[1]))
one = json.load(open(sys.argv[2]))
n, k = sys.argv[3], sys.argv[4]
def line(metric, value, unit, **kw):
    print(json.dumps(dict(bench="signup", metric=metric, value=value,
                          unit=unit, **kw)))
line("signups_per_s", burst["per_second"], "1/s", n=int(n), inflight=int(k),
     failed=burst["failed"])
line("latency_p50_burst", burst["p50_ms"], "ms", inflight=int(k))
line("latency_p99_burst", burst["p99_ms"], "ms", inflight=int(k))
line("latency_p50_single", one["p50_ms"], "ms")
line("latency_p99_single", one["p99_ms"], "ms")
PY
