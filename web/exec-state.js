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
		failedRuns: 0, caughtRuns: 0, pendingError: false,
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
		events: new Map(),
		order: [],
		applied: 0,
		open: [],
		lastExited: null,
		taken: new Set(),
		execution: { status: 'RUNNING', error: undefined, cause: undefined,
		    input: undefined, output: undefined },
		lastCaught: null,
		failure: null,
	};
	for (const n of graph.nodes) {
		run.states.set(n.id, newState(n.id));
		run.typeOf.set(n.id, n.type);
		if (!n.pseudo && !run.nameToId.has(n.name))
			run.nameToId.set(n.name, n.id);
	}
	return run;
}

function evId(ev) {
	const n = Number(ev.id);
	return Number.isFinite(n) ? n : 0;
}

// The state an event belongs to: follow previousEventId back to the nearest
// "...StateEntered"; without that link, the state entered last and still open.
function ownerOf(run, ev) {
	let cur = ev;
	for (let hops = 0; cur && hops < 10000; hops++) {
		if (isStateEntered(String(cur.type))) {
			const id = run.nameToId.get(eventDetails(cur).name);
			if (id !== undefined)
				return id;
			break;
		}
		if (cur.previousEventId === undefined || cur.previousEventId === null)
			break;
		const prev = run.events.get(Number(cur.previousEventId));
		if (prev === undefined || prev === cur)
			break;
		cur = prev;
	}
	return run.open.length > 0 ? run.open[run.open.length - 1] : null;
}

function refresh(st) {
	const running = st.entries - st.exits - st.failedRuns;
	if (st.failedRuns > 0)
		st.status = 'failed';
	else if (st.caughtRuns > 0 && running <= 0)
		st.status = 'caught';
	else if (running > 0)
		st.status = 'in-progress';
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
			s.events.push(eid);
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
				end.events.push(eid);
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
			end.events.push(eid);
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
		else if (t === 'MapIterationFailed' || t === 'MapIterationAborted')
			s.iterations.failed++;
		s.events.push(eid);
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
		s.events.push(eid);
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
	s.events.push(eid);
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
			s.status = 'aborted';
			s.exits = s.entries;
			s.events.push(evId(ev));
			continue;
		}
		s.events.push(evId(ev));
		refresh(s);
	}
	run.open = [];
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
