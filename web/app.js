// The Sluice web console: lists of functions, state machines and
// executions; a state machine's graph; an execution coloured live from its
// history; start, stop, invoke, and the admin topic. Hash routes:
//   #/functions  #/functions/NAME  #/state-machines  #/state-machines/ARN
//   #/executions?status=&sm=  #/executions/ARN  #/admin  #/preview

import { Api } from './api.js';
import { buildGraph, parseDefinition } from './graph-model.js';
import { newRun, addEvents, eventDetails, ownerOfEvent, parseHistory }
    from './exec-state.js';
import { renderGraph } from './graph-view.js';
import { ExecutionPager, dateMs } from './exec-pager.js';

const TOKEN_KEY = 'sluice.token';
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
// A state's own events listed beside the graph (a Map item state can have
// thousands); the history table lists every event.
const MAX_STATE_EVENTS = 200;

const api = new Api(`${location.protocol === 'https:' ? 'wss' : 'ws'}://` +
    `${location.host}/ws`);
const main = document.getElementById('view');
// What the current view must undo when another one replaces it.
let leaveView = () => {};
let viewSeq = 0;

// --- small DOM helpers ------------------------------------------------------

// h('tr', {class: 'x', onclick: f}, child, 'text', [more]) -> element
function h(tag, attrs = {}, ...kids) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k.startsWith('on') && typeof v === 'function')
			e.addEventListener(k.slice(2), v);
		else if (k === 'dataset')
			Object.assign(e.dataset, v);
		else if (v === true)
			e.setAttribute(k, '');
		else
			e.setAttribute(k, String(v));
	}
	for (const k of kids.flat(Infinity)) {
		if (k === undefined || k === null || k === false)
			continue;
		e.append(k instanceof Node ? k : String(k));
	}
	return e;
}

// Replace el's children, skipping null, undefined and false.
function fill(el, ...kids) {
	el.replaceChildren(...kids.flat(Infinity).filter((k) =>
	    k !== null && k !== undefined && k !== false));
}

function show(...kids) {
	fill(main, ...kids);
}

function errorBox(err) {
	return h('div', { class: 'error-box', role: 'alert' },
	    err && err.message ? err.message : String(err));
}

// A time from the API: epoch seconds, epoch milliseconds or ISO text.
function fmtDate(v) {
	if (v === undefined || v === null || v === '')
		return '';
	const ms = dateMs(v);
	if (ms === 0)
		return String(v);
	const d = new Date(ms);
	const p = (n, w = 2) => String(n).padStart(w, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
	    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.` +
	    `${p(d.getMilliseconds(), 3)}`;
}

// JSON text shown indented when it parses, as it is otherwise.
function pretty(v) {
	if (v === undefined || v === null)
		return '';
	if (typeof v !== 'string')
		return JSON.stringify(v, null, 2);
	try {
		return JSON.stringify(JSON.parse(v), null, 2);
	} catch {
		return v;
	}
}

function nameOfArn(arn) {
	const s = String(arn || '');
	return s.slice(s.lastIndexOf(':') + 1);
}

function statusPill(status) {
	const s = String(status || '');
	return h('span', { class: `pill status-${s.toLowerCase()}` }, s);
}

// The first array in a result (the list, whatever AWS calls it).
function listIn(result, ...names) {
	for (const n of names) {
		if (Array.isArray(result?.[n]))
			return result[n];
	}
	for (const v of Object.values(result || {})) {
		if (Array.isArray(v))
			return v;
	}
	return [];
}

// Check JSON text; returns { value } or { error } naming line and column.
function checkJson(text) {
	try {
		return { value: JSON.parse(text) };
	} catch (e) {
		const m = /position (\d+)/.exec(e.message);
		if (m && !/line \d+ column \d+/.test(e.message)) {
			const before = text.slice(0, Number(m[1]));
			const line = before.split('\n').length;
			const col = Number(m[1]) - before.lastIndexOf('\n');
			return { error: `not valid JSON at line ${line}, column ` +
			    `${col}: ${e.message}` };
		}
		return { error: `not valid JSON: ${e.message}` };
	}
}

// A textarea for JSON that says whether its text parses, as it is typed.
function jsonField(name, initial, rows = 6) {
	const area = h('textarea', { name, rows, spellcheck: 'false',
	    class: 'json' });
	area.value = initial;
	const note = h('div', { class: 'field-note' });
	const check = () => {
		const r = checkJson(area.value);
		area.classList.toggle('invalid', r.error !== undefined);
		note.textContent = r.error || '';
		return r;
	};
	area.addEventListener('input', check);
	return { area, note, check, box: h('div', { class: 'json-field' },
	    area, note) };
}

function table(headers, rows, empty) {
	if (rows.length === 0)
		return h('p', { class: 'empty' }, empty);
	return h('table', { class: 'list' },
	    h('thead', {}, h('tr', {}, headers.map((x) => h('th', {}, x)))),
	    h('tbody', {}, rows));
}

// --- header: connection and token -------------------------------------------

function setupHeader() {
	const status = document.getElementById('conn');
	api.addEventListener('state', (e) => {
		const { state, detail } = e.detail;
		status.dataset.state = state;
		status.textContent = state === 'open' ? 'connected' :
		    state === 'unauthorized' ? (api.token ? 'token refused' :
		    'token needed') : state;
		status.title = detail || '';
		document.getElementById('token').classList.toggle('wanted',
		    state === 'unauthorized');
	});
	const form = document.getElementById('token-form');
	const input = document.getElementById('token');
	input.value = sessionStorage.getItem(TOKEN_KEY) || '';
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const t = input.value.trim();
		if (t)
			sessionStorage.setItem(TOKEN_KEY, t);
		else
			sessionStorage.removeItem(TOKEN_KEY);
		api.connect(t);
		route();
	});
}

// A LogResult: base64 of the log's last 4 KB, as Lambda sends it.
function decodeLog(b64) {
	try {
		const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
		return new TextDecoder().decode(bytes);
	} catch {
		return b64;
	}
}

// --- functions --------------------------------------------------------------

// Flatten one level of nested objects: {Stats: {Invocations: 3}} gives
// "Stats.Invocations": 3.
function flatten(obj) {
	const out = {};
	for (const [k, v] of Object.entries(obj || {})) {
		if (v && typeof v === 'object' && !Array.isArray(v)) {
			for (const [k2, v2] of Object.entries(v)) {
				if (v2 === null || typeof v2 !== 'object')
					out[`${k}.${k2}`] = v2;
			}
		} else if (!Array.isArray(v)) {
			out[k] = v;
		}
	}
	return out;
}

const HIDDEN_COLUMNS = /Arn$|^Description$|CodeSha256|^Role$/;

async function viewFunctions() {
	show(h('h1', {}, 'Functions'), h('p', { class: 'loading' }, 'Loading…'));
	const r = await api.call('ListFunctions');
	const fns = listIn(r, 'Functions', 'functions').map(flatten);
	const nameOf = (f) => f.FunctionName ?? f.name ?? f.Name ?? '';
	const cols = [];
	for (const f of fns) {
		for (const k of Object.keys(f)) {
			if (!cols.includes(k) && !HIDDEN_COLUMNS.test(k) &&
			    !['FunctionName', 'name', 'Name'].includes(k))
				cols.push(k);
		}
	}
	const rows = fns.map((f) => h('tr', { class: 'link',
	    dataset: { function: nameOf(f) },
	    onclick: () => { location.hash = `#/functions/` +
		encodeURIComponent(nameOf(f)); } },
	    h('td', {}, h('a', { href: `#/functions/` +
		encodeURIComponent(nameOf(f)) }, nameOf(f))),
	    cols.map((c) => h('td', { class: typeof f[c] === 'number' ?
		'num' : '' }, f[c] === undefined ? '' : String(f[c])))));
	show(h('h1', {}, 'Functions'),
	    table(['Name', ...cols], rows, 'No functions are loaded.'));
}

async function viewFunction(name) {
	show(h('h1', {}, name), h('p', { class: 'loading' }, 'Loading…'));
	const info = await api.call('GetFunction', { FunctionName: name });
	const flat = flatten(info.Configuration ? { ...info.Configuration,
	    ...Object.fromEntries(Object.entries(info).filter(
		([k]) => k !== 'Configuration')) } : info);
	const payload = jsonField('payload', '{}', 8);
	const withLog = h('input', { type: 'checkbox', name: 'log' });
	const out = h('div', { class: 'result' });
	const button = h('button', { type: 'submit' }, 'Invoke');
	const invoke = async (ev) => {
		ev.preventDefault();
		const r = payload.check();
		if (r.error)
			return;
		button.disabled = true;
		fill(out, h('p', { class: 'loading' }, 'Invoking…'));
		try {
			const params = { FunctionName: name,
			    Payload: JSON.stringify(r.value) };
			if (withLog.checked)
				params.LogType = 'Tail';
			const res = await api.call('Invoke', params);
			const failed = res.FunctionError !== undefined;
			fill(out,
			    h('p', { id: 'invoke-status', dataset: { status: failed ?
				'FAILED' : 'SUCCEEDED' } },
				statusPill(failed ? 'FAILED' : 'SUCCEEDED'),
				' ', res.FunctionError ? `FunctionError: ` +
				`${res.FunctionError}` : '',
				res.StatusCode ? ` StatusCode ${res.StatusCode}` : ''),
			    h('pre', { class: 'json' }, pretty(res.Payload ??
				res.payload ?? res)),
			    res.LogResult ? h('pre', { class: 'log' },
				decodeLog(res.LogResult)) : null);
		} catch (e) {
			fill(out, errorBox(e));
		} finally {
			button.disabled = false;
		}
	};
	const form = h('form', { class: 'panel', id: 'invoke-form',
	    onsubmit: invoke }, h('h2', {}, 'Invoke'),
	    h('label', {}, 'Payload (JSON)'),
	    payload.box, h('label', { class: 'check' }, withLog,
		' with the log (LogType Tail)'), button);
	show(h('p', { class: 'crumbs' }, h('a', { href: '#/functions' },
	    'Functions'), ' / ', name),
	    h('h1', {}, name),
	    h('div', { class: 'columns' },
		h('div', { class: 'panel' }, h('h2', {}, 'What sluiced reports'),
		    h('table', { class: 'kv' }, h('tbody', {},
		    Object.entries(flat).map(([k, v]) => h('tr', {},
			h('th', {}, k), h('td', {}, String(v))))))),
		h('div', {}, form, out)));
}

// --- state machines ---------------------------------------------------------

async function viewStateMachines() {
	show(h('h1', {}, 'State machines'), h('p', { class: 'loading' },
	    'Loading…'));
	const r = await api.call('ListStateMachines', {});
	const sms = listIn(r, 'stateMachines');
	const rows = sms.map((sm) => h('tr', { class: 'link',
	    dataset: { arn: sm.stateMachineArn },
	    onclick: () => { location.hash = '#/state-machines/' +
		encodeURIComponent(sm.stateMachineArn); } },
	    h('td', {}, h('a', { href: '#/state-machines/' +
		encodeURIComponent(sm.stateMachineArn) }, sm.name ??
		nameOfArn(sm.stateMachineArn))),
	    h('td', {}, sm.type ?? ''),
	    h('td', {}, fmtDate(sm.creationDate)),
	    h('td', { class: 'arn' }, sm.stateMachineArn)));
	show(h('div', { class: 'title-row' }, h('h1', {}, 'State machines'),
	    h('a', { class: 'button', href: '#/preview' }, 'New / preview')),
	    table(['Name', 'Type', 'Created', 'ARN'], rows,
		'No state machines yet: deploy one with `sluice deploy` or ' +
		'from "New / preview".'));
}

// The graph of a definition into a container; a message when it fails.
async function drawGraph(container, definition, opts) {
	try {
		const def = typeof definition === 'string' ?
		    parseDefinition(definition) : definition;
		const g = buildGraph(def);
		const view = await renderGraph(container, g, opts);
		// Fit the panel's width, or show the drawing at its own size.
		if (!container.dataset.zoom)
			container.dataset.zoom = 'fit';
		const zoom = h('div', { class: 'zoom' }, ['fit', 'actual'].map(
		    (z) => h('button', { type: 'button', class: 'small',
			'data-zoom': z, onclick: () => {
			    container.dataset.zoom = z;
			} }, z === 'fit' ? 'Fit' : '100%')));
		container.prepend(zoom);
		if (g.problems.length > 0) {
			container.prepend(h('div', { class: 'warn-box' },
			    'Not drawn: ', g.problems.join('; ')));
		}
		return { graph: g, view };
	} catch (e) {
		fill(container, errorBox(e));
		return null;
	}
}

function startForm(arn) {
	const input = jsonField('input', '{}', 6);
	const name = h('input', { name: 'name', placeholder: '(generated)',
	    pattern: '[A-Za-z0-9_\\-]{1,80}' });
	const note = h('div', {});
	const submit = async (ev) => {
		ev.preventDefault();
		const r = input.check();
		if (r.error)
			return;
		const params = { stateMachineArn: arn,
		    input: JSON.stringify(r.value) };
		if (name.value.trim())
			params.name = name.value.trim();
		try {
			const res = await api.call('StartExecution', params);
			location.hash = '#/executions/' +
			    encodeURIComponent(res.executionArn);
		} catch (e) {
			fill(note, errorBox(e));
		}
	};
	const form = h('form', { class: 'panel start-form', onsubmit: submit },
	    h('h2', {}, 'Start an execution'),
	    h('label', {}, 'Name ', name),
	    h('label', {}, 'Input (JSON)'), input.box,
	    h('button', { type: 'submit' }, 'Start'), note);
	return form;
}

async function viewStateMachine(arn, seq) {
	show(h('p', { class: 'loading' }, 'Loading…'));
	const sm = await api.call('DescribeStateMachine',
	    { stateMachineArn: arn });
	if (seq !== viewSeq)
		return;
	const graphBox = h('div', { class: 'graph-box' });
	const stateBox = h('div', { class: 'panel state-detail',
	    id: 'state-detail' }, h('p', { class: 'hint' },
	    'Click a state to see its definition.'));
	const execs = h('div', {});
	show(h('p', { class: 'crumbs' }, h('a', { href: '#/state-machines' },
	    'State machines'), ' / ', sm.name ?? nameOfArn(arn)),
	    h('h1', {}, sm.name ?? nameOfArn(arn)),
	    h('div', { class: 'sm-layout' },
		h('div', { class: 'panel' }, h('h2', {}, 'Graph'), graphBox),
		h('div', {}, startForm(arn), stateBox,
		    h('details', { class: 'panel' }, h('summary', {},
			'Definition'), h('pre', { class: 'json' },
			pretty(sm.definition))))),
	    h('h2', {}, 'Executions ', h('span', { class: 'hint' },
		'(updated as they start and end)')), execs);
	let drawn = null;
	drawn = await drawGraph(graphBox, sm.definition, {
		onSelect: (id) => {
			drawn?.view.select(id);
			const n = drawn?.graph.nodes.find((x) => x.id === id);
			if (!n) {
				fill(stateBox, h('p', { class: 'hint' },
				    'Click a state to see its definition.'));
				return;
			}
			fill(stateBox, h('h2', {}, n.name, ' ',
			    h('span', { class: 'sub' }, n.type)),
			    h('pre', { class: 'json' }, pretty(n.state)));
		},
	});
	if (seq !== viewSeq)
		return;
	await executionList(execs, { sm: arn, status: '' });
	// Executions of this machine that start or end: list them again.
	let timer = null;
	const onEvent = (e) => {
		const t = String(e.detail.historyEvent?.type ?? '');
		if (!t.startsWith('Execution'))
			return;
		clearTimeout(timer);
		timer = setTimeout(() => executionList(execs,
		    { sm: arn, status: '' }), 300);
	};
	api.addEventListener('ExecutionEvent', onEvent);
	leaveView = () => {
		clearTimeout(timer);
		api.removeEventListener('ExecutionEvent', onEvent);
		api.unsubscribe({ stateMachineArn: arn });
	};
	api.subscribe({ stateMachineArn: arn }).catch(() => {});
}

// --- executions -------------------------------------------------------------

// A page of executions into box; filters { sm, status }. Without a state
// machine, every machine's executions, merged newest first.
async function executionList(box, filters) {
	fill(box, h('p', { class: 'loading' }, 'Loading…'));
	let arns = filters.sm ? [filters.sm] : null;
	try {
		if (arns === null) {
			arns = [];
			let token;
			do {
				const r = await api.call('ListStateMachines',
				    token ? { nextToken: token } : {});
				arns.push(...listIn(r, 'stateMachines').map(
				    (m) => m.stateMachineArn));
				token = r.nextToken;
			} while (token);
		}
	} catch (e) {
		fill(box, errorBox(e));
		return;
	}
	const pager = new ExecutionPager((arn, nextToken) => {
		const params = { stateMachineArn: arn, maxResults: 20 };
		if (filters.status)
			params.statusFilter = filters.status;
		if (nextToken)
			params.nextToken = nextToken;
		return api.call('ListExecutions', params);
	}, arns, 20);
	let page = 0;
	async function load() {
		let r;
		try {
			r = await pager.page(page);
		} catch (e) {
			fill(box, errorBox(e));
			return;
		}
		const rows = r.items.map((x) => h('tr', { class: 'link',
		    dataset: { arn: x.executionArn, status: x.status,
			start: dateMs(x.startDate) },
		    onclick: () => { location.hash = '#/executions/' +
			encodeURIComponent(x.executionArn); } },
		    h('td', {}, h('a', { href: '#/executions/' +
			encodeURIComponent(x.executionArn) }, x.name ??
			nameOfArn(x.executionArn))),
		    h('td', {}, statusPill(x.status)),
		    h('td', {}, nameOfArn(x.stateMachineArn)),
		    h('td', {}, fmtDate(x.startDate)),
		    h('td', {}, fmtDate(x.stopDate))));
		fill(box,
		    table(['Name', 'Status', 'State machine', 'Started',
			'Stopped'], rows, 'No executions match.'),
		    h('div', { class: 'pager' },
			h('button', { disabled: page === 0, onclick: () => {
			    page--;
			    load();
			} }, '← Newer'),
			h('span', {}, `page ${page + 1}`),
			h('button', { disabled: !r.more, onclick: () => {
			    page++;
			    load();
			} }, 'Older →')));
	}
	return load();
}

async function viewExecutions(query) {
	const filters = { sm: query.get('sm') || '',
	    status: query.get('status') || '' };
	const setQuery = () => {
		const q = new URLSearchParams();
		if (filters.sm)
			q.set('sm', filters.sm);
		if (filters.status)
			q.set('status', filters.status);
		location.hash = '#/executions' + (q.toString() ? `?${q}` : '');
	};
	const status = h('select', { name: 'status', onchange: (e) => {
		filters.status = e.target.value;
		setQuery();
	} }, h('option', { value: '' }, 'any status'),
	    STATUSES.map((s) => h('option', { value: s,
		selected: s === filters.status }, s)));
	const sm = h('select', { name: 'sm', onchange: (e) => {
		filters.sm = e.target.value;
		setQuery();
	} }, h('option', { value: '' }, 'every state machine'));
	const box = h('div', {});
	show(h('h1', {}, 'Executions'), h('div', { class: 'filters' },
	    h('label', {}, 'Status ', status),
	    h('label', {}, 'State machine ', sm)), box);
	api.call('ListStateMachines', {}).then((r) => {
		for (const m of listIn(r, 'stateMachines'))
			sm.append(h('option', { value: m.stateMachineArn,
			    selected: m.stateMachineArn === filters.sm },
			    m.name ?? nameOfArn(m.stateMachineArn)));
	}).catch(() => {});
	await executionList(box, filters);
}

// The state an event belongs to, for the history table.
function ownerName(run, ev) {
	const id = ownerOfEvent(run, ev.id);
	if (id === null || run.typeOf.get(id) === 'Start' ||
	    run.typeOf.get(id) === 'End')
		return '';
	return id;
}

function detailsText(ev) {
	const d = eventDetails(ev);
	const parts = [];
	for (const [k, v] of Object.entries(d)) {
		// The name is in its own column; "...Details" say "truncated".
		if (k === 'name' || k.endsWith('Details') || k === 'roleArn')
			continue;
		let s = typeof v === 'string' ? v : JSON.stringify(v);
		if (s.length > 160)
			s = s.slice(0, 159) + '…';
		parts.push(`${k}: ${s}`);
	}
	return parts.join('  ');
}

// The parts of an execution view: banner, state detail, history table.
function executionParts() {
	const historyBody = h('tbody', {});
	const legend = h('div', { class: 'legend' },
	    [['not-reached', 'not reached'], ['in-progress', 'in progress'],
		['succeeded', 'succeeded'], ['failed', 'failed'],
		['caught', 'caught'], ['aborted', 'stopped']].map(([k, t]) =>
		h('span', { class: `swatch state-${k}` }, t)),
	    h('span', { class: 'swatch retried' }, '\u00d7N attempts'),
	    h('span', { class: 'swatch-note' }, '\u21bb has Retry · ',
		h('span', { class: 'catch-mark' }, '- - \u2192'), ' Catch · ',
		'\u25cf starts a branch · double border: ends'));
	return {
		legend,
		graphBox: h('div', { class: 'graph-box' }),
		banner: h('div', { id: 'failure-banner', class: 'banner',
		    hidden: true }),
		detail: h('div', { class: 'panel state-detail',
		    id: 'state-detail' }),
		historyBody,
		history: h('table', { class: 'list history', id: 'history' },
		    h('thead', {}, h('tr', {}, ['#', 'Time', 'Type', 'State',
			'Details'].map((x) => h('th', {}, x)))), historyBody),
	};
}

// Draw a definition in parts.graphBox and keep it, the banner, the state
// detail and the history table in step with a run (exec-state.js).
// Returns { run, refresh(), select(id) } or null when it cannot be drawn.
async function executionView(parts, definition) {
	const { graphBox, banner, detail, historyBody } = parts;
	let selected = null;
	let ev = null;
	const drawn = await drawGraph(graphBox, definition, {
		onSelect: (id) => ev && ev.select(id),
	});
	if (drawn === null)
		return null;
	const run = newRun(drawn.graph);

	function renderBanner() {
		const f = run.failure;
		const st = run.execution.status;
		if (!f && st !== 'ABORTED' && st !== 'TIMED_OUT') {
			banner.hidden = true;
			return;
		}
		banner.hidden = false;
		if (!f) {
			banner.className = 'banner aborted';
			fill(banner, h('strong', {}, st === 'ABORTED' ?
			    'Execution stopped' : 'Execution timed out'),
			    run.execution.error ? ` — ${run.execution.error}` : '',
			    run.execution.cause ? h('div', { class: 'cause' },
				run.execution.cause) : null);
			return;
		}
		const link = (id) => h('a', { href: '#', class: 'state-link',
		    onclick: (e) => {
			e.preventDefault();
			select(id);
		    } }, id);
		banner.className = 'banner failed';
		banner.dataset.state = f.state ?? '';
		banner.dataset.error = f.error ?? '';
		fill(banner,
		    h('strong', {}, 'Execution failed'),
		    f.state ? [' at ', link(f.state)] : '',
		    ': ', h('code', { class: 'error-name' }, f.error ?? '?'),
		    f.cause ? h('div', { class: 'cause' }, f.cause) : null,
		    f.origin ? h('div', { class: 'origin' }, 'after ',
			link(f.origin.state), ' raised ',
			h('code', { class: 'error-name' }, f.origin.error ?? '?'),
			' (caught)', f.origin.cause ? h('div', { class: 'cause' },
			    f.origin.cause) : null) : null);
	}

	function section(title, text, cls = '') {
		if (text === undefined || text === null || text === '')
			return null;
		return h('div', { class: `section ${cls}` }, h('h3', {}, title),
		    h('pre', { class: 'json' }, pretty(text)));
	}

	function renderDetail() {
		if (selected === null || !run.states.has(selected)) {
			fill(detail, h('p', { class: 'hint' }, 'Click a state to ' +
			    'see its input, output, error and events.'));
			return;
		}
		const s = run.states.get(selected);
		const node = drawn.graph.nodes.find((n) => n.id === selected);
		detail.dataset.state = selected;
		fill(detail,
		    h('h2', {}, node.name, ' ', h('span', { class: 'sub' },
			node.type)),
		    h('p', {}, h('span', { class: `pill state-${s.status}` },
			s.status), s.attempts > 1 ?
			` ${s.attempts} attempts` : '', s.entries > 1 ?
			` · entered ${s.entries} times` : '',
			s.iterations ? ` · iterations ${s.iterations.succeeded}` +
			`/${s.iterations.started} succeeded` +
			(s.iterations.failed ? `, ${s.iterations.failed} ` +
			'failed' : '') : ''),
		    section('Error', s.error, 'error'),
		    section('Cause', s.cause, 'error'),
		    section('Input', s.input),
		    section('Output', s.output),
		    h('div', { class: 'section' }, h('h3', {}, 'Events'),
			s.events.length === 0 ? h('p', { class: 'empty' },
			    'None yet.') : null,
			s.events.length > MAX_STATE_EVENTS ? h('p', { class: 'hint' },
			    `The last ${MAX_STATE_EVENTS} of ${s.events.length}; ` +
			    'the table below has them all.') : null,
			s.events.length === 0 ? null : h('ol', { class: 'events' },
			    s.events.slice(-MAX_STATE_EVENTS).map((id) => {
				    const e = run.events.get(id);
				    return h('li', {}, h('span', { class: 'evid' },
					`#${id}`), ' ', e ? e.type : '?', ' ',
					h('span', { class: 'time' },
					    fmtDate(e?.timestamp)));
			    }))));
	}

	function select(id) {
		selected = id;
		drawn.view.select(id);
		renderDetail();
	}

	let shown = [];
	function renderHistory() {
		const ids = [...run.events.keys()].sort((a, b) => a - b);
		// Append when only new events came; redraw when one came late.
		let from = shown.length;
		if (shown.some((id, i) => ids[i] !== id)) {
			fill(historyBody);
			from = 0;
		}
		for (const id of ids.slice(from)) {
			const e = run.events.get(id);
			const t = String(e.type);
			historyBody.append(h('tr', { dataset: { id, type: t },
			    class: /Failed|TimedOut|Aborted/.test(t) ? 'bad' :
			    /Succeeded/.test(t) ? 'good' : '' },
			    h('td', { class: 'num' }, id),
			    h('td', {}, fmtDate(e.timestamp)),
			    h('td', {}, t),
			    h('td', {}, ownerName(run, e)),
			    h('td', { class: 'details' }, detailsText(e))));
		}
		shown = ids;
	}

	let hadFailure = false;
	function refresh() {
		drawn.view.update(run);
		renderBanner();
		renderHistory();
		graphBox.dataset.status = run.execution.status;
		// A failure selects its state at once: error and cause in view.
		if (run.failure && !hadFailure && run.failure.state) {
			hadFailure = true;
			select(run.failure.state);
		} else {
			renderDetail();
		}
	}

	ev = { run, refresh, select };
	renderDetail();
	return ev;
}

async function viewExecution(arn, seq) {
	show(h('p', { class: 'loading' }, 'Loading…'));
	const desc = await api.call('DescribeExecution', { executionArn: arn });
	const sm = await api.call('DescribeStateMachine',
	    { stateMachineArn: desc.stateMachineArn });
	if (seq !== viewSeq)
		return;
	const parts = executionParts();
	const header = h('div', { class: 'exec-header' });
	show(h('p', { class: 'crumbs' }, h('a', { href: '#/executions' },
	    'Executions'), ' / ', h('a', { href: '#/state-machines/' +
	    encodeURIComponent(desc.stateMachineArn) }, sm.name ??
	    nameOfArn(desc.stateMachineArn)), ' / ', desc.name ??
	    nameOfArn(arn)),
	    header, parts.banner,
	    h('div', { class: 'exec-layout' },
		h('div', { class: 'panel' }, parts.graphBox, parts.legend),
		parts.detail),
	    h('h2', {}, 'History'), parts.history);
	const view = await executionView(parts, sm.definition);
	if (seq !== viewSeq || view === null)
		return;
	const { run } = view;
	run.execution.status = desc.status ?? 'RUNNING';
	parts.graphBox.dataset.execution = arn;

	function renderHeader() {
		const st = run.execution.status;
		fill(header,
		    h('h1', {}, desc.name ?? nameOfArn(arn), ' ',
			h('span', { id: 'exec-status', dataset: { status: st } },
			    statusPill(st))),
		    h('div', { class: 'exec-meta' },
			h('span', {}, 'Started ', fmtDate(desc.startDate)),
			desc.stopDate ? h('span', {}, ' · Stopped ',
			    fmtDate(desc.stopDate)) : null),
		    st === 'RUNNING' ? h('button', { class: 'danger',
			id: 'stop-execution', onclick: async (e) => {
			    e.target.disabled = true;
			    try {
				    await api.call('StopExecution', {
					executionArn: arn,
					error: 'Console.Stopped',
					cause: 'stopped from the web console' });
			    } catch (err) {
				    header.append(errorBox(err));
				    e.target.disabled = false;
			    }
			} }, 'Stop execution') : null);
	}
	const refresh = () => {
		view.refresh();
		renderHeader();
	};

	const onEvent = (e) => {
		const m = e.detail;
		if (m.executionArn !== arn || !m.historyEvent)
			return;
		if (addEvents(run, m.historyEvent))
			refresh();
	};
	api.addEventListener('ExecutionEvent', onEvent);
	leaveView = () => {
		api.removeEventListener('ExecutionEvent', onEvent);
		api.unsubscribe({ executionArn: arn });
	};
	renderHeader();
	// Subscribe first, then fill the past: nothing falls in between, and
	// the events seen twice are dropped by id.
	try {
		await api.subscribe({ executionArn: arn });
	} catch (e) {
		header.after(errorBox(e));
	}
	let token;
	do {
		const params = { executionArn: arn, maxResults: 1000 };
		if (token)
			params.nextToken = token;
		const r = await api.call('GetExecutionHistory', params);
		if (seq !== viewSeq)
			return;
		addEvents(run, listIn(r, 'events'));
		token = r.nextToken;
	} while (token);
	refresh();
	parts.graphBox.dataset.loaded = 'true';
}

// --- admin topic ------------------------------------------------------------

function notificationItem(n) {
	const msg = n.Message ?? n.message ?? n;
	return h('li', { dataset: { topic: n.topic ?? '' } },
	    h('div', { class: 'note-head' },
		h('span', { class: 'time' }, fmtDate(n.Timestamp ?? n.timestamp)),
		n.source || n.publisher ? h('span', { class: 'source' },
		    ` from ${n.source ?? n.publisher}`) : null),
	    h('pre', { class: 'json' }, pretty(msg)));
}

async function viewAdmin(seq) {
	const live = h('ol', { class: 'notifications', id: 'notifications' });
	const earlier = h('ol', { class: 'notifications', id: 'earlier' });
	const state = h('p', { class: 'hint', id: 'admin-state' },
	    'Subscribing to the admin topic…');
	show(h('h1', {}, 'Admin topic'), state,
	    h('h2', {}, 'Live'), live,
	    h('h2', {}, 'Earlier'), earlier);
	const onNote = (e) => {
		const m = e.detail;
		if (m.topic !== 'admin')
			return;
		live.prepend(notificationItem(m));
		while (live.children.length > 500)
			live.lastChild.remove();
	};
	api.addEventListener('Notification', onNote);
	leaveView = () => {
		api.removeEventListener('Notification', onNote);
		api.unsubscribe({ topic: 'admin' });
	};
	try {
		await api.subscribe({ topic: 'admin' });
		if (seq !== viewSeq)
			return;
		state.dataset.subscribed = 'true';
		state.textContent = 'Watching the admin topic: new messages ' +
		    'appear under Live, newest first.';
	} catch (e) {
		state.replaceWith(errorBox(e));
		return;
	}
	try {
		const r = await api.call('ListNotifications', { topic: 'admin',
		    reverseOrder: true, maxResults: 50 });
		const list = listIn(r, 'notifications');
		fill(earlier, list.length ? list.map(notificationItem) :
		    h('li', { class: 'empty' }, 'None stored.'));
	} catch (e) {
		fill(earlier, h('li', {}, errorBox(e)));
	}
}

// --- preview and deploy -----------------------------------------------------

async function viewPreview(seq) {
	const def = jsonField('definition', sessionStorage.getItem(
	    'sluice.preview') || '{\n  "StartAt": "Hello",\n  "States": {\n' +
	    '    "Hello": {"Type": "Pass", "End": true}\n  }\n}', 18);
	const parts = executionParts();
	const note = h('div', {});
	let events = null;
	const name = h('input', { name: 'name', placeholder: 'name',
	    pattern: '[A-Za-z0-9_\\-]{1,80}' });
	const file = h('input', { type: 'file', id: 'definition-file',
	    accept: '.json,application/json', onchange: async (e) => {
		const f = e.target.files[0];
		if (!f)
			return;
		def.area.value = await f.text();
		if (!name.value)
			name.value = f.name.replace(/(\.asl)?\.json$/, '');
		draw();
	} });
	const historyFile = h('input', { type: 'file', id: 'history-file',
	    accept: '.json,.jsonl,.txt,application/json', onchange: async (e) => {
		const f = e.target.files[0];
		if (!f)
			return;
		try {
			events = parseHistory(await f.text());
		} catch (err) {
			fill(note, errorBox(`${f.name}: not a history: ` +
			    err.message));
			return;
		}
		draw();
	} });
	const historySection = h('div', { hidden: true },
	    h('h2', {}, 'History'), parts.history);
	let drawing = Promise.resolve();
	function draw() {
		drawing = drawing.then(async () => {
			const r = def.check();
			sessionStorage.setItem('sluice.preview', def.area.value);
			if (r.error) {
				fill(parts.graphBox, errorBox(r.error));
				return;
			}
			fill(parts.historyBody);
			const view = await executionView(parts, r.value);
			if (seq !== viewSeq || view === null)
				return;
			historySection.hidden = events === null;
			if (events !== null) {
				addEvents(view.run, events);
				view.refresh();
			}
			parts.graphBox.dataset.loaded = 'true';
		});
		return drawing;
	}
	let timer = null;
	def.area.addEventListener('input', () => {
		clearTimeout(timer);
		timer = setTimeout(draw, 400);
	});
	const validate = async () => {
		const r = def.check();
		if (r.error)
			return;
		try {
			const res = await api.call('ValidateStateMachineDefinition',
			    { definition: def.area.value });
			const diags = listIn(res, 'diagnostics');
			fill(note, diags.length === 0 ?
			    h('p', { class: 'ok-box' }, `Valid (${res.result ??
				'OK'}).`) :
			    h('ul', { class: 'error-box' }, diags.map((d) =>
				h('li', {}, `${d.code ?? d.severity ?? ''} ` +
				    `${d.location ?? ''}: ${d.message ?? ''}`))));
		} catch (e) {
			fill(note, errorBox(e));
		}
	};
	const deploy = async (ev) => {
		ev.preventDefault();
		const r = def.check();
		if (r.error || !name.value)
			return;
		try {
			const res = await api.call('CreateStateMachine', {
			    name: name.value, definition: def.area.value });
			location.hash = '#/state-machines/' +
			    encodeURIComponent(res.stateMachineArn);
		} catch (e) {
			fill(note, errorBox(e));
		}
	};
	show(h('h1', {}, 'New state machine / preview'),
	    h('p', { class: 'hint' }, 'Paste or open a definition to see its ' +
	    'graph, and a history (GetExecutionHistory\'s result or `sluice ' +
	    'exec --history` output) to colour it: drawn here, nothing is ' +
	    'sent. Deploy the definition when it is right.'),
	    parts.banner,
	    h('div', { class: 'exec-layout' },
		h('div', { class: 'panel' }, parts.graphBox, parts.legend),
		h('div', {},
		    h('form', { class: 'panel', onsubmit: deploy },
			h('label', {}, 'Definition file ', file),
			h('label', {}, 'History file ', historyFile),
			def.box,
			h('div', { class: 'row' }, h('label', {}, 'Name ', name),
			    h('button', { type: 'button', onclick: validate },
				'Validate'),
			    h('button', { type: 'submit' }, 'Deploy')), note),
		    parts.detail)),
	    historySection);
	return draw();
}

// --- routing ----------------------------------------------------------------

async function route() {
	leaveView();
	leaveView = () => {};
	const seq = ++viewSeq;
	const hash = location.hash || '#/executions';
	const [path, qs] = hash.slice(1).split('?');
	const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
	const query = new URLSearchParams(qs || '');
	for (const a of document.querySelectorAll('nav a'))
		a.classList.toggle('active', hash.startsWith(a.getAttribute(
		    'href')));
	try {
		switch (parts[0]) {
		case 'functions':
			return parts[1] ? await viewFunction(parts[1]) :
			    await viewFunctions();
		case 'state-machines':
			return parts[1] ? await viewStateMachine(parts[1], seq) :
			    await viewStateMachines();
		case 'executions':
			return parts[1] ? await viewExecution(parts[1], seq) :
			    await viewExecutions(query);
		case 'admin':
			return await viewAdmin(seq);
		case 'preview':
			return await viewPreview(seq);
		default:
			location.hash = '#/executions';
		}
	} catch (e) {
		if (seq === viewSeq)
			show(errorBox(e));
	}
}

setupHeader();
window.addEventListener('hashchange', route);
api.connect(sessionStorage.getItem(TOKEN_KEY) || '');
route();
