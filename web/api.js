// The console's one connection to sluiced: the WebSocket API at /ws
// (subprotocol sluice.v1). Requests {"id","action",...} get {"id","result"}
// or {"id","error":{"type","message"}}; pushed messages carry "event"
// (ExecutionEvent, Notification). A token, when set, goes first in an
// Authenticate message. The connection comes back by itself after a drop,
// and subscriptions are made again.

const REQUEST_TIMEOUT_MS = 30000;

export class ApiError extends Error {
	constructor(type, message) {
		super(message ? `${type}: ${message}` : type);
		this.type = type;
		this.detail = message || '';
	}
}

export class Api extends EventTarget {
	constructor(url) {
		super();
		this.url = url;
		this.token = '';
		this.ws = null;
		this.nextId = 1;
		this.pending = new Map();
		this.subscriptions = new Map(); // key -> params
		this.state = 'closed';
		this.ready = null;
		this.retryMs = 500;
		this.timer = null;
		// The server refused the token (or wants one): no reconnecting
		// until connect() is called with another.
		this.refused = '';
	}

	setState(state, detail = '') {
		this.state = state;
		this.dispatchEvent(new CustomEvent('state',
		    { detail: { state, detail } }));
	}

	// Open (or reopen) the connection. Resolves once it can take requests.
	connect(token = this.token) {
		this.token = token;
		this.refused = '';
		if (this.ws) {
			this.ws.onclose = null;
			this.ws.close();
			this.ws = null;
		}
		clearTimeout(this.timer);
		this.ready = new Promise((resolve) => {
			this.setState('connecting');
			let ws;
			try {
				ws = new WebSocket(this.url, 'sluice.v1');
			} catch (e) {
				this.setState('closed', String(e));
				this.retry();
				return;
			}
			this.ws = ws;
			ws.onmessage = (m) => this.receive(m.data);
			ws.onclose = (e) => {
				// 1008 (policy): not let in, e.g. no token in time.
				if (e && e.code === 1008 && !this.refused)
					this.refused = 'sluiced closed the connection: ' +
					    (e.reason || 'policy violation');
				this.failPending('ConnectionClosed',
				    this.refused || 'the connection to sluiced closed');
				if (this.refused) {
					this.setState('unauthorized', this.refused);
					return;
				}
				this.setState('closed');
				this.retry();
			};
			ws.onopen = async () => {
				this.retryMs = 500;
				if (this.token) {
					try {
						await this.send({ action: 'Authenticate',
						    token: this.token });
					} catch (e) {
						resolve();
						return;
					}
				}
				for (const params of this.subscriptions.values())
					this.send({ action: 'Subscribe', ...params })
					    .catch(() => {});
				this.setState('open');
				resolve();
			};
		});
		return this.ready;
	}

	retry() {
		clearTimeout(this.timer);
		this.timer = setTimeout(() => this.connect(), this.retryMs);
		this.retryMs = Math.min(this.retryMs * 2, 10000);
	}

	failPending(type, message) {
		for (const p of this.pending.values()) {
			clearTimeout(p.timer);
			p.reject(new ApiError(type, message));
		}
		this.pending.clear();
	}

	receive(data) {
		let msg;
		try {
			msg = JSON.parse(data);
		} catch {
			return;
		}
		if (msg && typeof msg.event === 'string') {
			this.dispatchEvent(new CustomEvent(msg.event, { detail: msg }));
			return;
		}
		const p = msg && this.pending.get(msg.id);
		if (!p)
			return;
		this.pending.delete(msg.id);
		clearTimeout(p.timer);
		if (msg.error && (msg.error.type ===
		    'MissingAuthenticationTokenException' || msg.error.type ===
		    'UnrecognizedClientException')) {
			// sluiced closes the connection after this reply.
			this.refused = `${msg.error.type}: ${msg.error.message}`;
			this.setState('unauthorized', this.refused);
		}
		if (msg.error) {
			p.reject(new ApiError(msg.error.type || 'Error',
			    msg.error.message || ''));
		} else {
			p.resolve(msg.result ?? {});
		}
	}

	// Send one request on the open socket; resolves to its result.
	send(body) {
		return new Promise((resolve, reject) => {
			if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
				reject(new ApiError('ConnectionClosed',
				    'not connected to sluiced'));
				return;
			}
			const id = this.nextId++;
			const timer = setTimeout(() => {
				this.pending.delete(id);
				reject(new ApiError('Timeout',
				    `no reply to ${body.action} in ` +
				    `${REQUEST_TIMEOUT_MS / 1000} s`));
			}, REQUEST_TIMEOUT_MS);
			this.pending.set(id, { resolve, reject, timer });
			this.ws.send(JSON.stringify({ id, ...body }));
		});
	}

	// Resolves when the connection is open; rejects after ms without.
	waitOpen(ms = 10000) {
		if (this.state === 'open')
			return Promise.resolve();
		if (this.refused)
			return Promise.reject(new ApiError('Unauthorized',
			    `${this.refused} (set the token at the top right)`));
		return new Promise((resolve, reject) => {
			const done = (e) => {
				if (e.detail.state === 'open') {
					clearTimeout(timer);
					this.removeEventListener('state', done);
					resolve();
				} else if (e.detail.state === 'unauthorized') {
					clearTimeout(timer);
					this.removeEventListener('state', done);
					reject(new ApiError('Unauthorized',
					    `${this.refused} (set the token at the ` +
					    'top right)'));
				}
			};
			const timer = setTimeout(() => {
				this.removeEventListener('state', done);
				reject(new ApiError('ConnectionClosed',
				    `cannot reach sluiced at ${this.url}`));
			}, ms);
			this.addEventListener('state', done);
		});
	}

	// A request once the connection is up.
	async call(action, params = {}) {
		await this.waitOpen();
		return this.send({ action, ...params });
	}

	// Subscribe to an execution ({executionArn}) or a topic ({topic});
	// kept and renewed after a reconnect until unsubscribe.
	async subscribe(params) {
		const key = JSON.stringify(params);
		this.subscriptions.set(key, params);
		return this.call('Subscribe', params);
	}

	async unsubscribe(params) {
		const key = JSON.stringify(params);
		if (!this.subscriptions.delete(key))
			return;
		if (this.state === 'open')
			await this.send({ action: 'Unsubscribe', ...params })
			    .catch(() => {});
	}
}
