// What an execution's history says about each state of its graph: not
// reached, in progress, succeeded, failed, caught (failed, then a Catch took
// over), retried (attempt count), aborted. Pure, so `node --test` checks it.
// Events may arrive twice or out of order (live events and the history fetch
// overlap): they are kept by id and replayed in order when needed.

import { START_ID, END_ID } from './graph-model.js';

// The one "...EventDetails" object of a history event, or {}.
export function eventDetails(ev) {
	for (const [k, v] of Object.entries(ev)) {
		if (k.endsWith('EventDetails') && v && typeof v === 'object')
			return v;
	}
	return {};
}

function isStateEntered(t) {
	return t.endsWith('StateEntered');
}

function isStateExited(t) {
	return t.endsWith('StateExited');
}

// A task attempt or a state's own failure (not the execution's, not a Map
// iteration's: those are reported on their own).
function isStateFailure(t) {
	if (t.startsWith('Execution') || t.startsWith('MapIteration') ||
	    t.startsWith('MapRun'))
		return false;
	return t.endsWith('Failed') || t.endsWith('TimedOut') ||
	    t.endsWith('Aborted');
}

function isAttempt(t) {
	return t === 'LambdaFunctionScheduled' || t === 'TaskScheduled' ||
	    t === 'ActivityScheduled';
}

function newState(id) {
	return {
		id, status: 'not-reached', attempts: 0, entries: 0, exits: 0,
		failedRuns: 0, caughtRuns: 0, abortedRuns: 0, pendingError: false,
		failedChild: null,
		input: undefined, output: undefined, error: undefined,
		cause: undefined, events: [], iterations: null,
	};
}

// A fresh run for a graph (from buildGraph).
export function newRun(graph) {
	const run = {
		graph,
		states: new Map(),
		nameToId: new Map(),
		typeOf: new Map(),
		nodes: new Map(),
		groupOf: new Map(),
		ownerOfGroup: new Map(),
		events: new Map(),
		order: [],
		applied: 0,
		open: [],
		lastExited: null,
		taken: new Set(),
		owner: new Map(),
		execution: { status: 'RUNNING', error: undefined, cause: undefined,
		    input: undefined, output: undefined },
		lastCaught: null,
		failure: null,
	};
	for (const gr of graph.groups)
		run.ownerOfGroup.set(gr.id, gr.owner);
	for (const n of graph.nodes) {
		run.nodes.set(n.id, n);
		run.states.set(n.id, newState(n.id));
		run.typeOf.set(n.id, n.type);
		if (n.parent !== null)
			run.groupOf.set(n.id, n.parent);
		if (!n.pseudo && !run.nameToId.has(n.name))
			run.nameToId.set(n.name, n.id);
	}
	return run;
}

// Record that state s owns event id (the first owner wins: an execution's
// end event is listed under the states it closes, but belongs to none).
function own(run, s, id) {
	s.events.push(id);
	if (!run.owner.has(id))
		run.owner.set(id, s.id);
}

// The id of the state an event belongs to, or null.
export function ownerOfEvent(run, id) {
	return run.owner.get(Number(id)) ?? null;
}

function evId(ev) {
	const n = Number(ev.id);
	return Number.isFinite(n) ? n : 0;
}

// The kind of state an event can belong to: a task's events belong to a
// Task, a Parallel's or Map's own events to that state; null: any.
function wantedType(t) {
	if (/^(LambdaFunction|Task|Activity)/.test(t) && !isStateEntered(t) &&
	    !isStateExited(t))
		return 'Task';
	if (/^ParallelState/.test(t))
		return 'Parallel';
	if (/^MapState/.test(t))
		return 'Map';
	return null;
}

// The state an event belongs to: walking back through previousEventId, the
// nearest "...StateEntered" of a state that is still open and of the kind
// the event needs; without such a link, the open state of that kind that
// was entered last.
function ownerOf(run, ev) {
	const want = wantedType(String(ev.type));
	const fits = (id) => id !== undefined && run.open.includes(id) &&
	    (want === null || run.typeOf.get(id) === want);
	let cur = ev;
	for (let hops = 0; cur && hops < 100000; hops++) {
		if (isStateEntered(String(cur.type))) {
			const id = run.nameToId.get(eventDetails(cur).name);
			if (fits(id))
				return id;
		}
		if (cur.previousEventId === undefined || cur.previousEventId === null)
			break;
		const prev = run.events.get(Number(cur.previousEventId));
		if (prev === undefined || prev === cur)
			break;
		cur = prev;
	}
	for (let i = run.open.length - 1; i >= 0; i--) {
		if (fits(run.open[i]))
			return run.open[i];
	}
	return null;
}

// Whether state id is inside (any depth) the Parallel or Map state anc.
function isInside(run, id, anc) {
	for (let g = run.groupOf.get(id); g; ) {
		const owner = run.ownerOfGroup.get(g);
		if (owner === anc)
			return true;
		g = run.groupOf.get(owner);
	}
	return false;
}

// A Fail state that ended a branch says no error in the history: take the
// one its definition writes out (ErrorPath and CausePath stay unknown).
function failStateError(run, s) {
	const n = run.nodes.get(s.id);
	if (!n || n.type !== 'Fail')
		return;
	if (n.failError)
		s.error = n.failError;
	if (n.failCause)
		s.cause = n.failCause;
}

// A failing state inside a Parallel or Map (uncaught there): it failed;
// the open states beside it were cut short. Returns the failed one.
function closeInside(run, anc, ev, one) {
	let failed = null;
	for (let i = run.open.length - 1; i >= 0; i--) {
		const id = run.open[i];
		if (!isInside(run, id, anc))
			continue;
		const s = run.states.get(id);
		const bad = s.pendingError || run.typeOf.get(id) === 'Fail';
		if (one && !bad)
			continue;
		run.open.splice(i, 1);
		own(run, s, evId(ev));
		if (bad && s.error === undefined)
			failStateError(run, s);
		if (bad) {
			s.pendingError = false;
			s.failedRuns++;
			if (failed === null)
				failed = s;
		} else {
			s.exits++;
			s.abortedRuns++;
		}
		refresh(s);
		if (one)
			break;
	}
	return failed;
}

function refresh(st) {
	const running = st.entries - st.exits - st.failedRuns;
	if (st.failedRuns > 0)
		st.status = 'failed';
	else if (st.caughtRuns > 0 && running <= 0)
		st.status = 'caught';
	else if (running > 0)
		st.status = 'in-progress';
	else if (st.abortedRuns > 0)
		st.status = 'aborted';
	else if (st.exits > 0)
		st.status = 'succeeded';
}

function closeOpen(run, id) {
	const i = run.open.lastIndexOf(id);
	if (i >= 0)
		run.open.splice(i, 1);
}

function apply(run, ev) {
	const t = String(ev.type || '');
	const d = eventDetails(ev);
	const eid = evId(ev);

	if (t === 'ExecutionStarted') {
		run.execution.input = d.input;
		const s = run.states.get(START_ID);
		if (s) {
			s.status = 'succeeded';
			own(run, s, eid);
		}
		return;
	}
	if (t.startsWith('Execution')) {
		const end = run.states.get(END_ID);
		if (t === 'ExecutionSucceeded') {
			run.execution.status = 'SUCCEEDED';
			run.execution.output = d.output;
			if (end) {
				end.status = 'succeeded';
				own(run, end, eid);
			}
			return;
		}
		const status = t === 'ExecutionFailed' ? 'FAILED' :
		    t === 'ExecutionAborted' ? 'ABORTED' :
		    t === 'ExecutionTimedOut' ? 'TIMED_OUT' : null;
		if (status === null)
			return;
		run.execution.status = status;
		run.execution.error = d.error;
		run.execution.cause = d.cause;
		if (end && status === 'FAILED') {
			end.status = 'failed';
			own(run, end, eid);
		}
		finishOpen(run, ev, status);
		return;
	}
	if (t.startsWith('MapIteration')) {
		const id = run.nameToId.get(d.name);
		const s = id === undefined ? null : run.states.get(id);
		if (s === null)
			return;
		s.iterations ??= { started: 0, succeeded: 0, failed: 0 };
		if (t === 'MapIterationStarted')
			s.iterations.started++;
		else if (t === 'MapIterationSucceeded')
			s.iterations.succeeded++;
		else if (t === 'MapIterationFailed' || t === 'MapIterationAborted') {
			s.iterations.failed++;
			const f = closeInside(run, id, ev, true);
			if (f !== null)
				s.failedChild = f.id;
		}
		own(run, s, eid);
		return;
	}
	if (isStateEntered(t)) {
		const id = run.nameToId.get(d.name);
		if (id === undefined)
			return;
		const s = run.states.get(id);
		s.entries++;
		s.pendingError = false;
		s.input = d.input;
		own(run, s, eid);
		// The edge taken: from the state whose exit this event follows.
		const prev = ev.previousEventId !== undefined ?
		    run.events.get(Number(ev.previousEventId)) : undefined;
		let from = null;
		if (prev && isStateExited(String(prev.type)))
			from = run.nameToId.get(eventDetails(prev).name) ?? null;
		else if (prev === undefined)
			from = run.lastExited;
		if (from !== null)
			run.taken.add(`${from}\u2192${id}`);
		else if (run.graph.nodes.some((n) => n.id === id && n.start &&
		    n.parent === null))
			run.taken.add(`${START_ID}\u2192${id}`);
		run.open.push(id);
		refresh(s);
		return;
	}
	const owner = ownerOf(run, ev);
	const s = owner === null ? null : run.states.get(owner);
	if (s === null)
		return;
	own(run, s, eid);
	if (isStateExited(t)) {
		s.exits++;
		s.output = d.output;
		if (s.pendingError) {
			s.caughtRuns++;
			s.pendingError = false;
			run.lastCaught = { state: s.id, error: s.error, cause: s.cause };
		}
		closeOpen(run, s.id);
		run.lastExited = s.id;
		refresh(s);
		return;
	}
	if (isAttempt(t)) {
		s.attempts++;
		s.pendingError = false;
		refresh(s);
		return;
	}
	if (isStateFailure(t)) {
		const type = run.typeOf.get(s.id);
		if (type === 'Parallel' || type === 'Map') {
			// What failed inside is what the state reports.
			const f = closeInside(run, s.id, ev, false) ??
			    (s.failedChild ? run.states.get(s.failedChild) : null);
			if (f !== null) {
				s.failedChild = f.id;
				if (d.error === undefined) {
					s.error = f.error;
					s.cause = f.cause;
				}
			}
		}
		s.pendingError = true;
		if (d.error !== undefined)
			s.error = d.error;
		if (d.cause !== undefined)
			s.cause = d.cause;
	}
}

// The execution ended while states were still open: the ones that raised
// the error (or are Fail states, or enclose the one that did) failed; the
// others were cut short.
function finishOpen(run, ev, status) {
	let failing = null;
	const open = run.open.slice();
	for (let i = open.length - 1; i >= 0; i--) {
		const s = run.states.get(open[i]);
		const type = run.typeOf.get(s.id);
		if (status === 'FAILED' && (s.pendingError || type === 'Fail')) {
			if (type === 'Fail' && s.error === undefined) {
				s.error = run.execution.error;
				s.cause = run.execution.cause;
			}
			s.failedRuns++;
			if (failing === null)
				failing = s;
		} else if (status === 'FAILED' &&
		    (type === 'Parallel' || type === 'Map')) {
			s.failedRuns++;
		} else {
			s.abortedRuns++;
			s.exits++;
			own(run, s, evId(ev));
			refresh(s);
			continue;
		}
		own(run, s, evId(ev));
		refresh(s);
	}
	run.open = [];
	// A Parallel or Map failed because of a state inside: point at that.
	while (failing !== null && failing.failedChild !== null &&
	    run.states.has(failing.failedChild))
		failing = run.states.get(failing.failedChild);
	if (status === 'FAILED') {
		run.failure = {
			state: failing ? failing.id : null,
			error: failing && failing.error !== undefined ? failing.error :
			    run.execution.error,
			cause: failing && failing.cause !== undefined ? failing.cause :
			    run.execution.cause,
			origin: failing && run.typeOf.get(failing.id) === 'Fail' ?
			    run.lastCaught : null,
		};
	}
}

// Add history events (one or an array). Returns true when something new was
// taken in. Events already seen (same id) are ignored; an event older than
// the newest one applied makes the run replay everything in order.
export function addEvents(run, evs) {
	const list = Array.isArray(evs) ? evs : [evs];
	let fresh = [];
	for (const ev of list) {
		if (!ev || typeof ev !== 'object')
			continue;
		const id = evId(ev);
		if (run.events.has(id))
			continue;
		run.events.set(id, ev);
		fresh.push(ev);
	}
	if (fresh.length === 0)
		return false;
	fresh.sort((a, b) => evId(a) - evId(b));
	if (evId(fresh[0]) < run.applied) {
		replay(run);
		return true;
	}
	for (const ev of fresh) {
		run.order.push(evId(ev));
		apply(run, ev);
		run.applied = evId(ev);
	}
	return true;
}

function replay(run) {
	const keep = run.events;
	const fresh = newRun(run.graph);
	Object.assign(run, fresh);
	run.events = keep;
	const ids = [...keep.keys()].sort((a, b) => a - b);
	for (const id of ids) {
		run.order.push(id);
		apply(run, keep.get(id));
		run.applied = id;
	}
}

// The events in id order.
export function historyOf(run) {
	return run.order.map((id) => run.events.get(id));
}

// History events from a file: a JSON array, GetExecutionHistory's
// {"events": [...]}, or one event per line (`sluice exec --history`).
export function parseHistory(text) {
	const t = text.trim();
	if (t === '')
		return [];
	try {
		const v = JSON.parse(t);
		if (Array.isArray(v))
			return v.filter((e) => e && typeof e.type === 'string');
		if (v && Array.isArray(v.events))
			return v.events;
		if (v && typeof v === 'object' && v.type)
			return [v];
	} catch {
		// one event per line
	}
	// Lines that are not events (the execution's output) are left out.
	return t.split('\n').filter((l) => l.trim().startsWith('{'))
	    .map((l) => JSON.parse(l)).filter((e) => typeof e.type === 'string');
}
