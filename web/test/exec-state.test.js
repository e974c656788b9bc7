// Unit tests of exec-state.js: history events colour the graph's states.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { buildGraph, START_ID, END_ID } from '../graph-model.js';
import { newRun, addEvents, historyOf, eventDetails, ownerOfEvent,
    parseHistory } from '../exec-state.js';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:';
const signup = {
	StartAt: 'Validate',
	States: {
		Validate: { Type: 'Task', Resource: FN + 'validate',
		    Next: 'InsertUser' },
		InsertUser: { Type: 'Task', Resource: FN + 'insert',
		    Retry: [{ ErrorEquals: ['Busy'], MaxAttempts: 3 }],
		    Catch: [{ ErrorEquals: ['EmailTaken'], Next: 'Duplicate' }],
		    Next: 'Welcome' },
		Welcome: { Type: 'Task', Resource: FN + 'welcome', End: true },
		Duplicate: { Type: 'Fail', Error: 'SignupFailed',
		    Cause: 'email already registered' },
	},
};

// A history in AWS's shape without Parallel or Map: ids from 1, each event
// naming the one before, but the first state's naming 0.
function history(steps) {
	return steps.map(([type, key, details], i) => {
		const ev = { id: i + 1, type, timestamp: 1700000000 + i };
		if (i > 0)
			ev.previousEventId = i === 1 ? 0 : i;
		if (key)
			ev[key] = details;
		return ev;
	});
}
const entered = (name, type = 'Task') => [`${type}StateEntered`,
    'stateEnteredEventDetails', { name, input: `{"in":"${name}"}` }];
const exited = (name, type = 'Task') => [`${type}StateExited`,
    'stateExitedEventDetails', { name, output: `{"out":"${name}"}` }];
const lambda = (what, d = {}) => [`LambdaFunction${what}`,
    `lambdaFunction${what}EventDetails`, d];
const task = (name) => [entered(name), lambda('Scheduled'),
    lambda('Started'), lambda('Succeeded', { output: '{}' }), exited(name)];

const good = () => history([
	['ExecutionStarted', 'executionStartedEventDetails', { input: '{}' }],
	...task('Validate'), ...task('InsertUser'), ...task('Welcome'),
	['ExecutionSucceeded', 'executionSucceededEventDetails',
	    { output: '{"ok":true}' }],
]);

const duplicate = () => history([
	['ExecutionStarted', 'executionStartedEventDetails', { input: '{}' }],
	...task('Validate'),
	entered('InsertUser'), lambda('Scheduled'), lambda('Started'),
	lambda('Failed', { error: 'EmailTaken', cause: '{"errorType":' +
	    '"EmailTaken","errorMessage":"a@b.c is taken"}' }),
	exited('InsertUser'),
	entered('Duplicate', 'Fail'),
	['ExecutionFailed', 'executionFailedEventDetails',
	    { error: 'SignupFailed', cause: 'email already registered' }],
]);

const status = (run) => Object.fromEntries([...run.states.values()].map(
    (s) => [s.id, s.status]));

test('a good run: every state succeeds, the path is taken', () => {
	const run = newRun(buildGraph(signup));
	addEvents(run, good());
	assert.deepEqual(status(run), {
		[START_ID]: 'succeeded', Validate: 'succeeded',
		InsertUser: 'succeeded', Welcome: 'succeeded',
		Duplicate: 'not-reached', [END_ID]: 'succeeded',
	});
	assert.equal(run.execution.status, 'SUCCEEDED');
	assert.equal(run.execution.output, '{"ok":true}');
	assert.equal(run.failure, null);
	assert.ok(run.taken.has(`${START_ID}\u2192Validate`));
	assert.ok(run.taken.has('Validate\u2192InsertUser'));
	assert.ok(run.taken.has('InsertUser\u2192Welcome'));
	assert.ok(!run.taken.has('InsertUser\u2192Duplicate'));
	const v = run.states.get('Validate');
	assert.equal(v.input, '{"in":"Validate"}');
	assert.equal(v.output, '{"out":"Validate"}');
	assert.equal(v.attempts, 1);
	assert.deepEqual(v.events, [2, 3, 4, 5, 6]);
});

test('a duplicate: the insert is caught, the Fail state fails the run', () => {
	const run = newRun(buildGraph(signup));
	addEvents(run, duplicate());
	const st = status(run);
	assert.equal(st.Validate, 'succeeded');
	assert.equal(st.InsertUser, 'caught');
	assert.equal(st.Duplicate, 'failed');
	assert.equal(st.Welcome, 'not-reached');
	assert.equal(st[END_ID], 'failed');
	const ins = run.states.get('InsertUser');
	assert.equal(ins.error, 'EmailTaken');
	assert.match(ins.cause, /is taken/);
	assert.ok(run.taken.has('InsertUser\u2192Duplicate'));
	assert.equal(ownerOfEvent(run, 10), 'InsertUser');
	assert.equal(ownerOfEvent(run, 12), 'Duplicate');
	assert.equal(ownerOfEvent(run, 1), START_ID);
	assert.equal(ownerOfEvent(run, 99), null);
	assert.equal(run.execution.status, 'FAILED');
	assert.deepEqual(run.failure, {
		state: 'Duplicate', error: 'SignupFailed',
		cause: 'email already registered',
		origin: { state: 'InsertUser', error: 'EmailTaken',
		    cause: ins.cause },
	});
});

test('an uncaught task failure fails the task itself', () => {
	const run = newRun(buildGraph(signup));
	addEvents(run, history([
		['ExecutionStarted', 'executionStartedEventDetails', {}],
		entered('Validate'), lambda('Scheduled'),
		lambda('Failed', { error: 'Runtime.ExitError', cause: 'crash' }),
		['ExecutionFailed', 'executionFailedEventDetails',
		    { error: 'Runtime.ExitError', cause: 'crash' }],
	]));
	assert.equal(status(run).Validate, 'failed');
	assert.deepEqual(run.failure, { state: 'Validate',
	    error: 'Runtime.ExitError', cause: 'crash', origin: null });
});

test('retries count attempts; success after a retry is still success', () => {
	const run = newRun(buildGraph(signup));
	addEvents(run, history([
		['ExecutionStarted', 'executionStartedEventDetails', {}],
		entered('InsertUser'), lambda('Scheduled'),
		lambda('Failed', { error: 'Busy', cause: 'try later' }),
		lambda('Scheduled'),
	]));
	const s = run.states.get('InsertUser');
	assert.equal(s.status, 'in-progress');
	assert.equal(s.attempts, 2);
	assert.equal(s.error, 'Busy');
	addEvents(run, { id: 6, previousEventId: 5,
	    type: 'LambdaFunctionSucceeded' });
	addEvents(run, { id: 7, previousEventId: 6, ...(() => {
		const [type, key, d] = exited('InsertUser');
		return { type, [key]: d };
	})() });
	assert.equal(s.status, 'succeeded');
	assert.equal(s.attempts, 2);
});

test('events out of order or twice give the same colours', () => {
	const evs = duplicate();
	const a = newRun(buildGraph(signup));
	addEvents(a, evs);
	const b = newRun(buildGraph(signup));
	// Live events first (the tail), then the history fetch (all of them).
	addEvents(b, evs.slice(8));
	addEvents(b, evs);
	addEvents(b, evs.slice(3, 5));
	assert.deepEqual(status(b), status(a));
	assert.deepEqual(b.failure, a.failure);
	assert.deepEqual(historyOf(b).map((e) => e.id), evs.map((e) => e.id));
});

test('without previousEventId the open state owns the event', () => {
	const run = newRun(buildGraph(signup));
	const evs = duplicate().map(({ previousEventId, ...rest }) => rest);
	addEvents(run, evs);
	assert.equal(status(run).InsertUser, 'caught');
	assert.equal(run.states.get('InsertUser').error, 'EmailTaken');
	assert.ok(run.taken.has('InsertUser\u2192Duplicate'));
});

test('Map iterations are counted; an abort cuts open states short', () => {
	const def = { StartAt: 'M', States: { M: { Type: 'Map', End: true,
	    ItemProcessor: { StartAt: 'W', States: {
		W: { Type: 'Pass', End: true } } } } } };
	const run = newRun(buildGraph(def));
	addEvents(run, history([
		['ExecutionStarted', 'executionStartedEventDetails', {}],
		entered('M', 'Map'),
		['MapIterationStarted', 'mapIterationStartedEventDetails',
		    { name: 'M', index: 0 }],
		entered('W', 'Pass'), exited('W', 'Pass'),
		['MapIterationSucceeded', 'mapIterationSucceededEventDetails',
		    { name: 'M', index: 0 }],
		['MapIterationStarted', 'mapIterationStartedEventDetails',
		    { name: 'M', index: 1 }],
		entered('W', 'Pass'),
		['ExecutionAborted', 'executionAbortedEventDetails', {}],
	]));
	const m = run.states.get('M');
	assert.deepEqual(m.iterations, { started: 2, succeeded: 1, failed: 0 });
	assert.equal(m.status, 'aborted');
	assert.equal(run.states.get('W').status, 'aborted');
	assert.equal(run.states.get('W').entries, 2);
	assert.equal(run.execution.status, 'ABORTED');
	assert.equal(run.failure, null);
});

test('eventDetails finds the details object whatever its name', () => {
	assert.deepEqual(eventDetails({ type: 'X', fooEventDetails: { a: 1 } }),
	    { a: 1 });
	assert.deepEqual(eventDetails({ type: 'X' }), {});
});

const parallel = {
	StartAt: 'P',
	States: {
		P: { Type: 'Parallel', Next: 'Done',
		    Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handler' }],
		    Branches: [
			{ StartAt: 'A', States: { A: { Type: 'Task',
			    Resource: FN + 'a', End: true } } },
			{ StartAt: 'B', States: {
				B: { Type: 'Pass', Next: 'C' },
				C: { Type: 'Task', Resource: FN + 'c',
				    End: true } } },
		    ] },
		Handler: { Type: 'Pass', End: true },
		Done: { Type: 'Succeed' },
	},
};

// Branch events interleave, and here each names simply the event before
// (not AWS's chains per branch): the console still tells them apart.
const parallelFailing = (tail) => history([
	['ExecutionStarted', 'executionStartedEventDetails', {}],
	entered('P', 'Parallel'), ['ParallelStateStarted'],
	entered('A'), entered('B', 'Pass'),
	lambda('Scheduled'), lambda('Started'),
	exited('B', 'Pass'), entered('C'),
	lambda('Scheduled'), lambda('Started'),
	lambda('Failed', { error: 'Boom', cause: 'c broke' }),
	['ParallelStateFailed'],
	...tail,
]);

test('a failure inside a caught Parallel: the inner state failed', () => {
	const run = newRun(buildGraph(parallel));
	addEvents(run, parallelFailing([
		exited('P', 'Parallel'), entered('Handler', 'Pass'),
		exited('Handler', 'Pass'),
		['ExecutionSucceeded', 'executionSucceededEventDetails', {}],
	]));
	const st = status(run);
	assert.equal(st.B, 'succeeded');
	assert.equal(st.C, 'failed');
	assert.equal(st.A, 'aborted');
	assert.equal(st.P, 'caught');
	assert.equal(st.Handler, 'succeeded');
	assert.equal(st.Done, 'not-reached');
	assert.equal(run.states.get('A').attempts, 1);
	assert.equal(run.states.get('C').attempts, 1);
	assert.equal(run.states.get('C').error, 'Boom');
	assert.equal(run.states.get('P').error, 'Boom');
	// Interleaved branches: each task's events go to its own state.
	assert.equal(ownerOfEvent(run, 6), 'A');
	assert.equal(ownerOfEvent(run, 10), 'C');
	assert.equal(ownerOfEvent(run, 12), 'C');
	assert.equal(ownerOfEvent(run, 13), 'P');
	assert.ok(run.taken.has('P\u2192Handler'));
	assert.equal(run.failure, null);
});

test('an uncaught failure inside a Parallel points at the inner state',
    () => {
	const run = newRun(buildGraph(parallel));
	addEvents(run, parallelFailing([
		['ExecutionFailed', 'executionFailedEventDetails',
		    { error: 'Boom', cause: 'c broke' }],
	]));
	const st = status(run);
	assert.equal(st.P, 'failed');
	assert.equal(st.C, 'failed');
	assert.equal(run.failure.state, 'C');
	assert.equal(run.failure.error, 'Boom');
	assert.equal(run.failure.origin, null);
});

// On AWS each branch is a chain of its own: an event names the one before
// it in its branch, so the events of tasks running side by side go to
// their own state even where the ids interleave.
test('interleaved branches follow their previousEventId chains', () => {
	const def = { StartAt: 'P', States: { P: { Type: 'Parallel',
	    End: true, Branches: [
		{ StartAt: 'A', States: { A: { Type: 'Task',
		    Resource: FN + 'a', End: true } } },
		{ StartAt: 'C', States: { C: { Type: 'Task',
		    Resource: FN + 'c', End: true } } },
	    ] } } };
	const failed = { error: 'Boom', cause: 'a broke' };
	const evs = [
		[1, 0, 'ExecutionStarted', 'executionStartedEventDetails', {}],
		[2, 0, ...entered('P', 'Parallel')],
		[3, 2, 'ParallelStateStarted'],
		[4, 3, ...entered('A')],
		[5, 3, ...entered('C')],
		[6, 4, ...lambda('Scheduled')],
		[7, 5, ...lambda('Scheduled')],
		[8, 7, ...lambda('Started')],
		[9, 6, ...lambda('Started')],
		[10, 9, ...lambda('Failed', failed)],
		[11, 10, 'ParallelStateFailed'],
		[12, 11, 'ExecutionFailed', 'executionFailedEventDetails', failed],
	].map(([id, prev, type, key, d]) => ({ id, previousEventId: prev,
	    type, timestamp: 1700000000 + id, ...(key ? { [key]: d } : {}) }));
	const run = newRun(buildGraph(def));
	addEvents(run, evs);
	assert.equal(ownerOfEvent(run, 8), 'C');
	assert.equal(ownerOfEvent(run, 9), 'A');
	assert.equal(ownerOfEvent(run, 10), 'A');
	const st = status(run);
	assert.equal(st.A, 'failed');
	assert.equal(st.C, 'aborted');
	assert.equal(run.failure.state, 'A');
});

test('a Fail state ending a caught branch shows its written error', () => {
	const def = { StartAt: 'P', States: {
		P: { Type: 'Parallel', Next: 'Z',
		    Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Z' }],
		    Branches: [
			{ StartAt: 'L', States: { L: { Type: 'Pass', End: true } } },
			{ StartAt: 'F', States: { F: { Type: 'Fail',
			    Error: 'BranchBroke', Cause: 'on purpose' } } },
		    ] },
		Z: { Type: 'Succeed' } } };
	const run = newRun(buildGraph(def));
	addEvents(run, history([
		['ExecutionStarted', 'executionStartedEventDetails', {}],
		entered('P', 'Parallel'), ['ParallelStateStarted'],
		entered('L', 'Pass'), exited('L', 'Pass'),
		entered('F', 'Fail'), ['ParallelStateFailed'],
		exited('P', 'Parallel'), entered('Z', 'Succeed'),
		exited('Z', 'Succeed'),
		['ExecutionSucceeded', 'executionSucceededEventDetails', {}],
	]));
	const st = status(run);
	assert.deepEqual([st.L, st.F, st.P, st.Z],
	    ['succeeded', 'failed', 'caught', 'succeeded']);
	assert.equal(run.states.get('F').error, 'BranchBroke');
	assert.equal(run.states.get('F').cause, 'on purpose');
	assert.equal(run.states.get('P').error, 'BranchBroke');
	assert.equal(run.failure, null);
});

test('history files: an array, GetExecutionHistory\'s result, JSON lines',
    () => {
	const evs = duplicate();
	assert.deepEqual(parseHistory(JSON.stringify(evs)), evs);
	assert.deepEqual(parseHistory(JSON.stringify({ events: evs,
	    nextToken: 'x' })), evs);
	// `sluice exec --history`: one event a line, then the output.
	const lines = evs.map((e) => JSON.stringify(e)).join('\n') +
	    '\n{"ok": true}\n';
	assert.deepEqual(parseHistory(lines), evs);
	assert.deepEqual(parseHistory('  \n'), []);
	assert.throws(() => parseHistory('{"type": "X"}\n{nope'), SyntaxError);
});
