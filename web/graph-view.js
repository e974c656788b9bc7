// Draw a graph (graph-model.js) as SVG. ELK (vendor/elk.bundled.js, from
// npm at build time) computes the layout; this file only turns its
// coordinates into shapes. States carry data-state, data-type and
// data-status attributes, which the stylesheet colours and tests read.

const SVG = 'http://www.w3.org/2000/svg';
const NAME_FONT = '600 13px system-ui, sans-serif';
const SUB_FONT = '11px system-ui, sans-serif';
const LABEL_FONT = '11px ui-monospace, monospace';
const NODE_H = 46;
const PSEUDO_W = 64;
const PSEUDO_H = 30;
const HEADER = 30;
const GROUP_HEADER = 22;
const FORCE_ORDER = 'elk.layered.crossingMinimization.forceNodeModelOrder';

let measureCtx = null;

// The width of a text in a font, in pixels (an estimate without canvas).
function textWidth(text, font) {
	if (measureCtx === null && typeof document !== 'undefined')
		measureCtx = document.createElement('canvas').getContext('2d');
	if (measureCtx) {
		measureCtx.font = font;
		return Math.ceil(measureCtx.measureText(text).width);
	}
	return Math.ceil(text.length * 7.2);
}

function el(name, attrs = {}, parent = null) {
	const e = document.createElementNS(SVG, name);
	for (const [k, v] of Object.entries(attrs))
		e.setAttribute(k, String(v));
	if (parent)
		parent.appendChild(e);
	return e;
}

function subtitle(n) {
	return n.resource ? `${n.type} \u00b7 ${n.resource}` : n.type;
}

// Shorten long labels for drawing; the full text stays in a <title>.
function clip(text, max) {
	return text.length > max ? text.slice(0, max - 1) + '\u2026' : text;
}

// The ELK graph for our model: compound states hold their groups, groups
// hold their states; each edge sits in the scope its ends share.
function elkGraph(g) {
	const byParent = new Map();
	for (const n of g.nodes) {
		const k = n.parent ?? '';
		if (!byParent.has(k))
			byParent.set(k, []);
		byParent.get(k).push(n);
	}
	const groupsOf = new Map();
	for (const gr of g.groups) {
		if (!groupsOf.has(gr.owner))
			groupsOf.set(gr.owner, []);
		groupsOf.get(gr.owner).push(gr);
	}
	const edgesIn = new Map();
	for (const e of g.edges) {
		const k = e.parent ?? '';
		if (!edgesIn.has(k))
			edgesIn.set(k, []);
		edgesIn.get(k).push(e);
	}
	const layered = (padTop) => ({
		'elk.algorithm': 'layered',
		'elk.direction': 'DOWN',
		'elk.edgeRouting': 'ORTHOGONAL',
		'elk.layered.spacing.nodeNodeBetweenLayers': '36',
		'elk.spacing.nodeNode': '28',
		'elk.spacing.edgeLabel': '4',
		'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
		'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
		'elk.padding': `[top=${padTop},left=14,bottom=14,right=14]`,
	});
	const edgesOf = (scope) => (edgesIn.get(scope) || []).map((e) => {
		const out = { id: e.id, sources: [e.source], targets: [e.target] };
		if (e.label) {
			const text = clip(e.label, 48);
			out.labels = [{ id: e.id + ':l', text,
			    width: textWidth(text, LABEL_FONT) + 8, height: 16,
			    layoutOptions: {
				'elk.edgeLabels.placement': 'CENTER' } }];
		}
		return out;
	});
	const nodesOf = (scope) => (byParent.get(scope) || []).map((n) => {
		const groups = groupsOf.get(n.id);
		if (groups) {
			return {
				id: n.id,
				// Branches side by side, in their order.
				layoutOptions: {
					...layered(HEADER + 6),
					'elk.separateConnectedComponents': 'false',
					'elk.layered.considerModelOrder.strategy':
					    'NODES_AND_EDGES',
					[FORCE_ORDER]: 'true',
				},
				children: groups.map((gr) => ({
					id: gr.id,
					layoutOptions: layered(GROUP_HEADER + 6),
					children: nodesOf(gr.id),
					edges: edgesOf(gr.id),
				})),
				edges: [],
			};
		}
		if (n.pseudo)
			return { id: n.id, width: PSEUDO_W, height: PSEUDO_H };
		const w = Math.max(textWidth(clip(n.name, 40), NAME_FONT),
		    textWidth(clip(subtitle(n), 44), SUB_FONT)) + 36;
		return { id: n.id, width: Math.max(120, w), height: NODE_H };
	});
	return {
		id: '__root__',
		layoutOptions: {
			...layered(20),
			'elk.padding': '[top=20,left=20,bottom=20,right=20]',
			'elk.json.edgeCoords': 'ROOT',
			'elk.json.shapeCoords': 'ROOT',
			'elk.hierarchyHandling': 'SEPARATE_CHILDREN',
		},
		children: nodesOf(''),
		edges: edgesOf(''),
	};
}

// Lay the graph out. Resolves to ELK's result; rejects when the layout
// library is missing (a build without npm).
export async function layout(g) {
	if (typeof globalThis.ELK !== 'function')
		throw new Error('the graph layout library (vendor/elk.bundled.js) ' +
		    'is missing from this build');
	const elk = new globalThis.ELK();
	return elk.layout(elkGraph(g));
}

function pathOf(section) {
	const pts = [section.startPoint, ...(section.bendPoints || []),
	    section.endPoint];
	return pts.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
}

function markers(svg) {
	const defs = el('defs', {}, svg);
	for (const id of ['arrow', 'arrow-catch', 'arrow-taken']) {
		const m = el('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5,
		    markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse',
		    orient: 'auto-start-reverse', class: id }, defs);
		el('path', { d: 'M0,0 L10,5 L0,10 z' }, m);
	}
}

// Render g into container (emptied first). Returns a view:
//   view.svg, view.update(run) to colour it from exec-state.js,
//   view.select(id) to mark a state, and calls onSelect(id) on clicks.
export async function renderGraph(container, g, { onSelect } = {}) {
	const laid = await layout(g);
	container.replaceChildren();
	const W = Math.ceil(laid.width);
	const H = Math.ceil(laid.height);
	const svg = el('svg', { class: 'graph', viewBox: `0 0 ${W} ${H}`,
	    width: W, height: H, role: 'img',
	    'aria-label': 'state machine graph' });
	svg.dataset.width = W;
	markers(svg);
	const layers = {
		compounds: el('g', { class: 'compounds' }, svg),
		edges: el('g', { class: 'edges' }, svg),
		nodes: el('g', { class: 'nodes' }, svg),
	};
	const byId = new Map(g.nodes.map((n) => [n.id, n]));
	const groupById = new Map(g.groups.map((x) => [x.id, x]));
	const shapes = new Map();

	function drawNode(box) {
		const n = byId.get(box.id);
		if (n === undefined) {
			// A Parallel branch or a Map iterator.
			const gr = groupById.get(box.id);
			const ge = el('g', { class: `group group-${gr.kind}`,
			    'data-group': gr.id }, layers.compounds);
			el('rect', { x: box.x, y: box.y, width: box.width,
			    height: box.height, rx: 6 }, ge);
			el('text', { x: box.x + 8, y: box.y + 15,
			    class: 'group-label' }, ge).textContent = gr.label;
			for (const c of box.children || [])
				drawNode(c);
			return;
		}
		const compound = Array.isArray(box.children);
		const parent = compound ? layers.compounds : layers.nodes;
		const cls = ['node', `type-${n.type.toLowerCase()}`];
		if (compound)
			cls.push('compound');
		if (n.pseudo)
			cls.push('pseudo');
		if (n.start)
			cls.push('start');
		if (n.end)
			cls.push('end');
		const ge = el('g', { class: cls.join(' '), 'data-state': n.id,
		    'data-type': n.type, 'data-status': 'not-reached',
		    tabindex: 0, role: 'button' }, parent);
		const title = el('title', {}, ge);
		title.textContent = n.pseudo ? n.name : `${n.name} (${subtitle(n)})`;
		if (n.pseudo) {
			el('rect', { x: box.x, y: box.y, width: box.width,
			    height: box.height, rx: box.height / 2,
			    class: 'shape' }, ge);
			el('text', { x: box.x + box.width / 2,
			    y: box.y + box.height / 2 + 4, class: 'name',
			    'text-anchor': 'middle' }, ge).textContent = n.name;
		} else if (compound) {
			el('rect', { x: box.x, y: box.y, width: box.width,
			    height: box.height, rx: 10, class: 'shape' }, ge);
			el('text', { x: box.x + 12, y: box.y + 19,
			    class: 'name' }, ge).textContent = clip(n.name, 40);
			const nw = textWidth(clip(n.name, 40), NAME_FONT);
			el('text', { x: box.x + 20 + nw, y: box.y + 19,
			    class: 'sub' }, ge).textContent = n.type;
		} else {
			el('rect', { x: box.x, y: box.y, width: box.width,
			    height: box.height, rx: n.type === 'Choice' ? 18 : 6,
			    class: 'shape' }, ge);
			// Where a branch or an iterator starts.
			if (n.start && n.parent !== null)
				el('circle', { cx: box.x + box.width / 2, cy: box.y,
				    r: 4.5, class: 'start-dot' }, ge);
			if (n.end)
				el('rect', { x: box.x + 3, y: box.y + 3,
				    width: box.width - 6, height: box.height - 6,
				    rx: 4, class: 'end-ring' }, ge);
			el('text', { x: box.x + box.width / 2, y: box.y + 20,
			    class: 'name', 'text-anchor': 'middle' }, ge)
			    .textContent = clip(n.name, 40);
			el('text', { x: box.x + box.width / 2, y: box.y + 36,
			    class: 'sub', 'text-anchor': 'middle' }, ge)
			    .textContent = clip(subtitle(n), 44);
		}
		if (n.retry) {
			el('text', { x: box.x + box.width - 6, y: box.y + 13,
			    class: 'retry-mark', 'text-anchor': 'end' }, ge)
			    .textContent = '\u21bb';
		}
		const badge = el('g', { class: 'badge' }, ge);
		const bw = 46;
		el('rect', { x: box.x + box.width - bw + 6, y: box.y - 9,
		    width: bw, height: 17, rx: 8 }, badge);
		el('text', { x: box.x + box.width - bw / 2 + 6, y: box.y + 3,
		    'text-anchor': 'middle' }, badge);
		shapes.set(n.id, { g: ge, title, badge, node: n });
		ge.addEventListener('click', (ev) => {
			ev.stopPropagation();
			if (onSelect && !n.pseudo)
				onSelect(n.id);
		});
		ge.addEventListener('keydown', (ev) => {
			if ((ev.key === 'Enter' || ev.key === ' ') && onSelect &&
			    !n.pseudo) {
				ev.preventDefault();
				onSelect(n.id);
			}
		});
		for (const c of box.children || [])
			drawNode(c);
	}

	function drawEdges(box) {
		for (const e of box.edges || []) {
			const m = g.edges.find((x) => x.id === e.id);
			const ge = el('g', { class: `edge edge-${m.kind}`,
			    'data-source': m.source, 'data-target': m.target,
			    'data-kind': m.kind }, layers.edges);
			for (const s of e.sections || []) {
				el('path', { d: pathOf(s), class: 'line',
				    'marker-end': m.kind === 'catch' ?
				    'url(#arrow-catch)' : 'url(#arrow)' }, ge);
			}
			for (const l of e.labels || []) {
				el('rect', { x: l.x, y: l.y, width: l.width,
				    height: l.height, rx: 3, class: 'label-bg' }, ge);
				const t = el('text', { x: l.x + l.width / 2,
				    y: l.y + l.height - 4, class: 'label',
				    'text-anchor': 'middle' }, ge);
				t.textContent = l.text;
				if (l.text !== m.label)
					el('title', {}, t).textContent = m.label;
			}
			shapes.set(`edge:${m.id}`, { g: ge, edge: m });
		}
		for (const c of box.children || [])
			drawEdges(c);
	}

	for (const c of laid.children || [])
		drawNode(c);
	drawEdges(laid);
	container.appendChild(svg);
	svg.addEventListener('click', () => onSelect && onSelect(null));

	return {
		svg,
		// Colour states and taken edges from a run (exec-state.js).
		update(run) {
			for (const [id, s] of shapes) {
				if (s.edge) {
					const key = `${s.edge.source}\u2192${s.edge.target}`;
					s.g.classList.toggle('taken', run.taken.has(key));
					continue;
				}
				const st = run.states.get(id);
				if (!st)
					continue;
				s.g.dataset.status = st.status;
				s.g.dataset.attempts = String(st.attempts);
				s.g.classList.toggle('retried', st.attempts > 1);
				let badge = '';
				if (st.attempts > 1)
					badge = `\u00d7${st.attempts}`;
				else if (st.iterations)
					badge = `${st.iterations.succeeded}/` +
					    `${st.iterations.started}`;
				else if (st.entries > 1)
					badge = `${st.entries} runs`;
				s.badge.querySelector('text').textContent = badge;
				s.g.classList.toggle('has-badge', badge !== '');
				let t = s.node.pseudo ? s.node.name :
				    `${s.node.name} (${subtitle(s.node)}): ${st.status}`;
				if (st.attempts > 1)
					t += `, ${st.attempts} attempts`;
				if (st.error !== undefined)
					t += `\n${st.error}`;
				s.title.textContent = t;
				if (st.error !== undefined)
					s.g.dataset.error = String(st.error);
				else
					delete s.g.dataset.error;
			}
		},
		select(id) {
			for (const [k, s] of shapes) {
				if (!s.edge)
					s.g.classList.toggle('selected', k === id);
			}
		},
	};
}
