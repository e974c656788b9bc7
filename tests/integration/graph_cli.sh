#!/bin/sh
# sluice graph: a file offline (text, Mermaid, DOT, errors) and a deployed
# state machine fetched from a real sluiced by name.
set -u
cd "$(dirname "$0")/../.."
: "${SLUICE_BUILD:?SLUICE_BUILD must name the build directory}"
S=$SLUICE_BUILD/sluice
T=$(mktemp -d "${TMPDIR:-/tmp}/sluice-graph.XXXXXX")
chmod 755 "$T"
DPID=""
cleanup() {
	[ -z "$DPID" ] || kill "$DPID" 2>/dev/null
	[ -z "$DPID" ] || wait "$DPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
pass=0
fail=0
check() {
	_what=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
		echo "ok - $_what"
	else
		fail=$((fail + 1))
		echo "not ok - $_what"
	fi
}

"$S" graph tests/graph/small.asl.json >"$T/text" 2>"$T/err"
check "text of a file is the console's (tests/graph/small.txt)" \
    cmp -s "$T/text" tests/graph/small.txt
"$S" graph tests/graph/small.asl.json --format mermaid >"$T/mmd"
check "mermaid: a flowchart with the Choice rule on its edge" \
    grep -q '^  n2 -->|"$.x == 3"| n3$' "$T/mmd"
"$S" graph --format=dot tests/graph/small.asl.json >"$T/dot"
check "dot: a digraph with the Parallel as a cluster" \
    grep -q '^  subgraph cluster_n3 {$' "$T/dot"
if command -v dot >/dev/null 2>&1; then
	check "dot: Graphviz reads it" sh -c "dot -Tsvg '$T/dot' >/dev/null"
fi
"$S" graph tests/graph/small.asl.json --format svg >/dev/null 2>"$T/err"
check "an unknown format is a usage error (2)" test $? -eq 2
printf '{"StartAt": "A",\n "States": x}\n' >"$T/bad.asl.json"
"$S" graph "$T/bad.asl.json" >/dev/null 2>"$T/err"
rc=$?
check "a file that is not JSON: exit 2, with line and column" \
    sh -c "[ $rc -eq 2 ] && grep -q 'bad.asl.json:2:12: not valid JSON' '$T/err'"

# A deployed machine, by name.
mkdir -p "$T/data"
"$SLUICE_BUILD/sluiced" --port 0 --data "$T/data" \
    --functions "$SLUICE_BUILD/functions" >"$T/sluiced.log" 2>&1 &
DPID=$!
n=0
while ! grep -q "event=listening" "$T/sluiced.log" 2>/dev/null; do
	n=$((n + 1))
	if [ $n -gt 600 ] || ! kill -0 $DPID 2>/dev/null; then
		echo "sluiced did not start: $(tail -n 5 "$T/sluiced.log")"
		exit 1
	fi
	sleep 0.05
done
PORT=$(sed -n 's/.*event=listening port=\([0-9]*\).*/\1/p' "$T/sluiced.log")
URL=ws://127.0.0.1:$PORT/ws
if "$S" --help | grep -q '^  deploy '; then
	"$S" deploy small tests/graph/small.asl.json --url "$URL" >/dev/null
	"$S" graph small --url "$URL" >"$T/named" 2>"$T/err"
	check "a deployed machine by name gives the same graph" \
	    cmp -s "$T/named" tests/graph/small.txt
	"$S" graph nothing-here --url "$URL" >/dev/null 2>"$T/err"
	rc=$?
	check "an unknown name: exit 1, StateMachineDoesNotExist" \
	    sh -c "[ $rc -eq 1 ] && grep -q StateMachineDoesNotExist '$T/err'"
else
	echo "SKIP: graph by name (waits for 'sluice deploy')"
fi
echo "graph_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
