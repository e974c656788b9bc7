// Unit tests of api.js against a fake WebSocket: requests and replies by
// id, pushed events, the token, refusal, reconnecting and subscriptions.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';

import { Api, ApiError } from '../api.js';

// A WebSocket the test plays the server for: sent messages are kept,
// server() answers them.
class FakeSocket {
	static OPEN = 1;
	static all = [];
	constructor(url, protocol) {
		this.url = url;
		this.protocol = protocol;
		this.readyState = 0;
		this.sent = [];
		FakeSocket.all.push(this);
		// Opens on the next turn, as a browser's would.
		setTimeout(() => {
			if (this.readyState !== 0)
				return;
			this.readyState = FakeSocket.OPEN;
			this.onopen?.();
		}, 0);
	}
	send(text) {
		this.sent.push(JSON.parse(text));
		this.server?.(JSON.parse(text), this);
	}
	push(obj) {
		this.onmessage?.({ data: JSON.stringify(obj) });
	}
	close(code = 1000, reason = '') {
		if (this.readyState === 3)
			return;
		this.readyState = 3;
		setTimeout(() => this.onclose?.({ code, reason }), 0);
	}
}

let saved;
beforeEach(() => {
	saved = globalThis.WebSocket;
	globalThis.WebSocket = FakeSocket;
	FakeSocket.all = [];
	FakeSocket.prototype.server = null;
});
afterEach(() => {
	globalThis.WebSocket = saved;
});

const tick = () => new Promise((r) => setTimeout(r, 5));

// Answer every request with {result: {echo: action}} unless told otherwise.
function serve(handler) {
	FakeSocket.prototype.server = (msg, ws) => {
		const r = handler(msg, ws);
		if (r !== undefined)
			setTimeout(() => ws.push({ id: msg.id, ...r }), 0);
	};
}

test('requests are matched to replies by id, errors become ApiError',
    async () => {
	serve((m) => m.action === 'Boom' ? { error: { type: 'ValidationException',
	    message: 'bad' } } : { result: { echo: m.action, n: m.n } });
	const api = new Api('ws://x/ws');
	api.connect('');
	const [a, b] = await Promise.all([api.call('One', { n: 1 }),
	    api.call('Two', { n: 2 })]);
	assert.deepEqual(a, { echo: 'One', n: 1 });
	assert.deepEqual(b, { echo: 'Two', n: 2 });
	await assert.rejects(api.call('Boom'), (e) => e instanceof ApiError &&
	    e.type === 'ValidationException' && e.detail === 'bad');
	const ws = FakeSocket.all[0];
	assert.equal(ws.protocol, 'sluice.v1');
	assert.equal(new Set(ws.sent.map((m) => m.id)).size, ws.sent.length);
	api.ws.onclose = null;
});

test('pushed events are dispatched by their event name', async () => {
	serve(() => ({ result: {} }));
	const api = new Api('ws://x/ws');
	await api.connect('');
	const got = [];
	api.addEventListener('ExecutionEvent', (e) => got.push(e.detail));
	FakeSocket.all[0].push({ event: 'ExecutionEvent', executionArn: 'a',
	    historyEvent: { id: 1 } });
	FakeSocket.all[0].push({ id: 999, result: {} }); // nobody asked
	assert.equal(got.length, 1);
	assert.equal(got[0].historyEvent.id, 1);
	api.ws.onclose = null;
});

test('the token goes first; subscriptions come back after a drop',
    async () => {
	serve(() => ({ result: {} }));
	const api = new Api('ws://x/ws');
	await api.connect('s3cret');
	await api.subscribe({ executionArn: 'arn:x' });
	const first = FakeSocket.all[0];
	assert.deepEqual(first.sent[0].action, 'Authenticate');
	assert.equal(first.sent[0].token, 's3cret');
	assert.equal(first.sent[1].action, 'Subscribe');
	first.close();
	await new Promise((r) => setTimeout(r, 700)); // first retry: 500 ms
	const second = FakeSocket.all[1];
	assert.ok(second, 'reconnected');
	await tick();
	assert.deepEqual(second.sent.map((m) => m.action),
	    ['Authenticate', 'Subscribe']);
	assert.equal(second.sent[1].executionArn, 'arn:x');
	assert.equal(api.state, 'open');
	await api.unsubscribe({ executionArn: 'arn:x' });
	assert.equal(api.subscriptions.size, 0);
	api.ws.onclose = null;
});

test('a refused token stops reconnecting until another is given',
    async () => {
	serve((m, ws) => {
		if (m.action === 'Authenticate' && m.token !== 'good') {
			setTimeout(() => {
				ws.push({ id: m.id, error: {
				    type: 'UnrecognizedClientException',
				    message: 'invalid' } });
				ws.close();
			}, 0);
			return undefined;
		}
		return { result: {} };
	});
	const api = new Api('ws://x/ws');
	await api.connect('bad');
	await tick();
	assert.equal(api.state, 'unauthorized');
	await assert.rejects(api.call('ListFunctions'),
	    (e) => e.type === 'Unauthorized' && /invalid/.test(e.message));
	await new Promise((r) => setTimeout(r, 700));
	assert.equal(FakeSocket.all.length, 1, 'no reconnect with a bad token');
	await api.connect('good');
	assert.equal(api.state, 'open');
	assert.deepEqual(await api.call('ListFunctions'), {});
	api.ws.onclose = null;
});

test('requests still waiting fail when the connection drops', async () => {
	serve(() => undefined); // never answers
	const api = new Api('ws://x/ws');
	await api.connect('');
	const p = api.call('Slow');
	await tick();
	FakeSocket.all[0].close();
	await assert.rejects(p, (e) => e.type === 'ConnectionClosed');
	clearTimeout(api.timer);
	api.ws.onclose = null;
});

test('a close for policy (1008) is a refusal, not a reason to retry',
    async () => {
	serve(() => undefined);
	const api = new Api('ws://x/ws');
	await api.connect('');
	FakeSocket.all[0].close(1008, 'authentication required');
	await tick();
	assert.equal(api.state, 'unauthorized');
	await assert.rejects(api.call('ListFunctions'),
	    (e) => /authentication required/.test(e.message));
	await new Promise((r) => setTimeout(r, 700));
	assert.equal(FakeSocket.all.length, 1);
});
