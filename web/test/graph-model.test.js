// Unit tests of graph-model.js: run with `node --test web/test/`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { buildGraph, ruleLabel, toText, resourceLabel, parseDefinition,
    START_ID, END_ID } from '../graph-model.js';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const small = () => JSON.parse(readFileSync(
    here('../../tests/graph/small.asl.json'), 'utf8'));

test('the small definition gives the text cli/graph.c is checked against',
    () => {
	const want = readFileSync(here('../../tests/graph/small.txt'), 'utf8');
	assert.equal(toText(buildGraph(small())), want);
});

test('every state is a node with its type, start and end marked', () => {
	const g = buildGraph(small());
	const byId = new Map(g.nodes.map((n) => [n.id, n]));
	assert.equal(byId.get('Validate').type, 'Task');
	assert.equal(byId.get('Validate').start, true);
	assert.equal(byId.get('Validate').retry, true);
	assert.equal(byId.get('Validate').catches, 2);
	assert.equal(byId.get('Validate').resource, 'validate');
	assert.equal(byId.get('Route').type, 'Choice');
	assert.equal(byId.get('Done').end, true);
	assert.equal(byId.get('Rejected').end, true);
	assert.equal(byId.get('Route').end, false);
	assert.equal(byId.get(START_ID).pseudo, true);
	assert.equal(byId.get(END_ID).pseudo, true);
	// 11 states and the two pseudo nodes
	assert.equal(g.nodes.length, 13);
	assert.deepEqual(g.problems, []);
});

test('Parallel branches and the Map iterator are nested groups', () => {
	const g = buildGraph(small());
	const groups = Object.fromEntries(g.groups.map((x) => [x.id, x]));
	assert.deepEqual(Object.keys(groups).sort(),
	    ['Each#iterator', 'Fan#branch1', 'Fan#branch2']);
	assert.equal(groups['Fan#branch2'].owner, 'Fan');
	assert.equal(groups['Each#iterator'].kind, 'iterator');
	const parentOf = (id) => g.nodes.find((n) => n.id === id).parent;
	assert.equal(parentOf('Left'), 'Fan#branch1');
	assert.equal(parentOf('RightDone'), 'Fan#branch2');
	assert.equal(parentOf('Work'), 'Each#iterator');
	assert.equal(parentOf('Fan'), null);
	// Nested states end their branch, not the machine.
	assert.ok(!g.edges.some((e) => e.source === 'RightDone' &&
	    e.target === END_ID));
	const inner = g.edges.find((e) => e.source === 'Right');
	assert.equal(inner.parent, 'Fan#branch2');
});

test('Choice rules, Default and Catch edges carry their labels', () => {
	const g = buildGraph(small());
	const from = (s) => g.edges.filter((e) => e.source === s);
	const route = from('Route');
	assert.deepEqual(route.map((e) => [e.kind, e.target, e.label]), [
		['choice', 'Fan', '$.x == 3'],
		['choice', 'Each', '$.kind == "bulk" && !($.items is not present)'],
		['choice', 'Done',
		    '$.a > $.b || ($.s matches "log-*" && $.ok == true)'],
		['default', 'Rejected', 'Default'],
	]);
	const catches = from('Validate').filter((e) => e.kind === 'catch');
	assert.deepEqual(catches.map((e) => [e.target, e.label]),
	    [['Rejected', 'ValidationError'], ['Failed', 'States.ALL']]);
});

test('rule labels for every comparison family', () => {
	const v = { Variable: '$.v' };
	assert.equal(ruleLabel({ ...v, StringEquals: 'a"b' }), '$.v == "a\\"b"');
	assert.equal(ruleLabel({ ...v, StringLessThanEqualsPath: '$.w' }),
	    '$.v <= $.w');
	assert.equal(ruleLabel({ ...v, NumericGreaterThanEquals: 2.5 }),
	    '$.v >= 2.5');
	assert.equal(ruleLabel({ ...v, NumericLessThan: -1 }), '$.v < -1');
	assert.equal(ruleLabel({ ...v, BooleanEqualsPath: '$.b' }), '$.v == $.b');
	assert.equal(ruleLabel({ ...v, TimestampGreaterThan:
	    '2024-01-01T00:00:00Z' }), '$.v > "2024-01-01T00:00:00Z"');
	assert.equal(ruleLabel({ ...v, IsNull: true }), '$.v is null');
	assert.equal(ruleLabel({ ...v, IsNumeric: false }), '$.v is not numeric');
	assert.equal(ruleLabel({ ...v, IsTimestamp: true }), '$.v is timestamp');
	assert.equal(ruleLabel({ Not: { ...v, IsString: true } }),
	    '!($.v is string)');
	assert.equal(ruleLabel({ Or: [{ ...v, IsBoolean: true },
	    { Or: [{ ...v, IsNull: true }, { ...v, IsPresent: false }] }] }),
	    '$.v is boolean || ($.v is null || $.v is not present)');
	assert.equal(ruleLabel({ Condition: '{% $states.input.x > 1 %}' }),
	    '{% $states.input.x > 1 %}');
	assert.equal(ruleLabel({ Variable: '$.v' }), '?');
	assert.equal(ruleLabel(null), '?');
});

test('resource labels name the function or the integration', () => {
	assert.equal(resourceLabel(
	    'arn:aws:lambda:us-east-1:123456789012:function:signup:live'),
	    'signup');
	assert.equal(resourceLabel('arn:aws:states:::lambda:invoke'),
	    'lambda:invoke');
	assert.equal(resourceLabel(undefined), '');
});

test('broken references are reported, not drawn', () => {
	const g = buildGraph({ StartAt: 'Nope', States: {
		A: { Type: 'Pass', Next: 'Missing' },
		B: { Type: 'Choice', Choices: [{ Variable: '$.x', IsNull: true }] },
	} });
	assert.equal(g.edges.length, 0);
	assert.deepEqual(g.problems, [
		'definition: StartAt names no state: "Nope"',
		'A: Next names no state: "Missing"',
		'B: Choices[0].Next names no state: null',
	]);
	assert.deepEqual(buildGraph({}).problems, ['definition: no States']);
});

test('a name used again in another scope gets its own id', () => {
	const g = buildGraph({ StartAt: 'P', States: { P: { Type: 'Parallel',
	    End: true, Branches: [
		{ StartAt: 'X', States: { X: { Type: 'Pass', End: true } } },
		{ StartAt: 'X', States: { X: { Type: 'Pass', End: true } } },
	    ] } } });
	const xs = g.nodes.filter((n) => n.name === 'X');
	assert.deepEqual(xs.map((n) => [n.id, n.parent]),
	    [['X', 'P#branch1'], ['X#2', 'P#branch2']]);
});

test('the legacy Map Iterator field is drawn like ItemProcessor', () => {
	const g = buildGraph({ StartAt: 'M', States: { M: { Type: 'Map',
	    End: true, Iterator: { StartAt: 'I', States: {
		I: { Type: 'Pass', End: true } } } } } });
	assert.equal(g.nodes.find((n) => n.id === 'I').parent, 'M#iterator');
});

test('parseDefinition rejects what is not an object', () => {
	assert.throws(() => parseDefinition('[1]'), SyntaxError);
	assert.throws(() => parseDefinition('{"a":'), SyntaxError);
	assert.equal(parseDefinition('{"StartAt":"A"}').StartAt, 'A');
});
