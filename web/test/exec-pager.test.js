// Unit tests of exec-pager.js: newest first across state machines.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ExecutionPager, dateMs } from '../exec-pager.js';

// A fake ListExecutions over lists of start times, newest first, in pages
// of `per` with opaque tokens; counts the calls.
function fakeApi(lists, per) {
	const calls = [];
	const fetch = async (arn, token) => {
		calls.push([arn, token]);
		const all = lists[arn].map((t) => ({ executionArn: `${arn}/${t}`,
		    startDate: t }));
		const from = token ? Number(token.slice(1)) : 0;
		const res = { executions: all.slice(from, from + per) };
		if (from + per < all.length)
			res.nextToken = `t${from + per}`;
		return res;
	};
	return { fetch, calls };
}

test('one machine: its pages, in order, and the end', async () => {
	const { fetch } = fakeApi({ a: [9, 8, 7, 6, 5] }, 2);
	const p = new ExecutionPager(fetch, ['a'], 3);
	const p0 = await p.page(0);
	assert.deepEqual(p0.items.map((x) => x.startDate), [9, 8, 7]);
	assert.equal(p0.more, true);
	const p1 = await p.page(1);
	assert.deepEqual(p1.items.map((x) => x.startDate), [6, 5]);
	assert.equal(p1.more, false);
	// Going back gives the same page without asking again.
	assert.deepEqual((await p.page(0)).items.map((x) => x.startDate),
	    [9, 8, 7]);
});

test('several machines merge newest first across their pages', async () => {
	const { fetch, calls } = fakeApi({
		a: [100, 50, 40, 10],
		b: [90, 80, 70, 60, 5],
		c: [],
	}, 2);
	const p = new ExecutionPager(fetch, ['a', 'b', 'c'], 4);
	const seen = [];
	for (let n = 0; ; n++) {
		const pg = await p.page(n);
		seen.push(...pg.items.map((x) => x.startDate));
		if (!pg.more)
			break;
	}
	assert.deepEqual(seen, [100, 90, 80, 70, 60, 50, 40, 10, 5]);
	// Each page of each machine was fetched once.
	assert.equal(calls.filter(([arn]) => arn === 'a').length, 2);
	assert.equal(calls.filter(([arn]) => arn === 'b').length, 3);
	assert.equal(calls.filter(([arn]) => arn === 'c').length, 1);
});

test('dates in seconds, milliseconds and ISO text compare alike', () => {
	assert.equal(dateMs(1700000000), 1700000000000);
	assert.equal(dateMs(1700000000123), 1700000000123);
	assert.equal(dateMs('2023-11-14T22:13:20.000Z'), 1700000000000);
	assert.equal(dateMs(undefined), 0);
	assert.equal(dateMs('soon'), 0);
});
