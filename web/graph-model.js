// The graph of a state machine definition: states become nodes, transitions
// become edges, Parallel branches and Map iterators become nested groups.
// Pure: no DOM, so `node --test` checks it; cli/graph.c prints the same
// graph (toText below is the shared form both sides can be compared in).

export const START_ID = '__start__';
export const END_ID = '__end__';

const COMPARISONS = [
	// [suffix of the operator name, printed operator]
	['Equals', '=='],
	['LessThanEquals', '<='],
	['GreaterThanEquals', '>='],
	['LessThan', '<'],
	['GreaterThan', '>'],
];
const KINDS = ['String', 'Numeric', 'Boolean', 'Timestamp'];
const TESTS = {
	IsNull: 'null',
	IsPresent: 'present',
	IsNumeric: 'numeric',
	IsString: 'string',
	IsBoolean: 'boolean',
	IsTimestamp: 'timestamp',
};

// A number as JSON would print it.
function formatValue(v) {
	return JSON.stringify(v);
}

// The operator of one comparison, or null when the rule has none.
function comparisonOf(rule) {
	for (const kind of KINDS) {
		for (const [suffix, op] of COMPARISONS) {
			const name = kind + suffix;
			if (name in rule)
				return `${rule.Variable} ${op} ${formatValue(rule[name])}`;
			if (name + 'Path' in rule)
				return `${rule.Variable} ${op} ${rule[name + 'Path']}`;
		}
	}
	if ('StringMatches' in rule)
		return `${rule.Variable} matches ${formatValue(rule.StringMatches)}`;
	for (const [name, what] of Object.entries(TESTS)) {
		if (name in rule)
			return `${rule.Variable} is ${rule[name] === false ? 'not ' : ''}${what}`;
	}
	return null;
}

function isCompound(rule) {
	return rule && typeof rule === 'object' &&
	    (Array.isArray(rule.And) || Array.isArray(rule.Or));
}

// The text of a Choice rule: `$.x == 3`, `($.a > 1) && ($.b is present)`,
// `!($.s matches "a*")`; a JSONata rule's Condition as written.
export function ruleLabel(rule) {
	if (rule === null || typeof rule !== 'object')
		return '?';
	if (typeof rule.Condition === 'string')
		return rule.Condition;
	for (const [key, op] of [['And', ' && '], ['Or', ' || ']]) {
		if (Array.isArray(rule[key]))
			return rule[key].map((r) => isCompound(r) ?
			    `(${ruleLabel(r)})` : ruleLabel(r)).join(op);
	}
	if ('Not' in rule)
		return `!(${ruleLabel(rule.Not)})`;
	const c = comparisonOf(rule);
	return c === null ? '?' : c;
}

function isObject(v) {
	return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// The short name of a Task's resource: a Lambda function's name, or the
// service action of an integration ARN.
export function resourceLabel(resource) {
	if (typeof resource !== 'string')
		return '';
	const m = resource.match(/^arn:[^:]*:lambda:[^:]*:[^:]*:function:([^:]+)/);
	if (m)
		return m[1];
	const s = resource.match(/^arn:[^:]*:states:::(.+)$/);
	if (s)
		return s[1];
	return resource;
}

// Build the graph of a parsed definition (an object; use parseDefinition for
// text). Returns { nodes, edges, groups, problems }:
//   node  { id, name, type, parent (group id | null), start, end, retry,
//           catches, resource, pseudo, state (the definition's own
//           object); a Fail state's failError, failCause }
//   group { id, kind ('branch' | 'iterator'), owner (node id), parent,
//           label, index }
//   edge  { id, source, target, kind ('start' | 'next' | 'choice' |
//           'default' | 'catch' | 'end'), label, parent (group id | null) }
// Node ids are state names (they are unique in a valid definition); a name
// seen again in another scope gets "#2", "#3"... Two pseudo nodes mark the
// start and the end of the top level. problems lists what could not be drawn
// (a Next that names no state, a definition without States).
export function buildGraph(def) {
	const g = { nodes: [], edges: [], groups: [], problems: [] };
	const used = new Map();
	let edgeSeq = 0;

	function uniqueId(name) {
		const n = (used.get(name) || 0) + 1;
		used.set(name, n);
		return n === 1 ? name : `${name}#${n}`;
	}

	function addEdge(source, target, kind, label, parent) {
		edgeSeq++;
		g.edges.push({ id: `e${edgeSeq}`, source, target, kind,
		    label: label || '', parent });
	}

	// One States object: its states are in scope `parent` (a group id or
	// null for the top level). Returns the id of StartAt's state or null.
	function addScope(machine, parent, where) {
		if (!isObject(machine) || !isObject(machine.States)) {
			g.problems.push(`${where}: no States`);
			return null;
		}
		const ids = new Map();
		const names = Object.keys(machine.States);
		for (const name of names)
			ids.set(name, uniqueId(name));
		const startId = ids.get(machine.StartAt) ?? null;
		if (startId === null)
			g.problems.push(`${where}: StartAt names no state: ` +
			    JSON.stringify(machine.StartAt ?? null));
		function target(from, name, field) {
			const id = ids.get(name);
			if (id === undefined)
				g.problems.push(`${from}: ${field} names no state: ` +
				    JSON.stringify(name ?? null));
			return id;
		}
		for (const name of names) {
			const st = machine.States[name];
			const id = ids.get(name);
			const s = isObject(st) ? st : {};
			const type = typeof s.Type === 'string' ? s.Type : '?';
			const node = {
				id, name, type, parent,
				start: id === startId,
				end: s.End === true || type === 'Succeed' ||
				    type === 'Fail',
				retry: Array.isArray(s.Retry) && s.Retry.length > 0,
				catches: Array.isArray(s.Catch) ? s.Catch.length : 0,
				resource: type === 'Task' ? resourceLabel(s.Resource) : '',
				pseudo: false,
				state: st,
			};
			// A Fail state's own Error and Cause, when written out.
			if (type === 'Fail') {
				node.failError = typeof s.Error === 'string' ? s.Error : '';
				node.failCause = typeof s.Cause === 'string' ? s.Cause : '';
			}
			g.nodes.push(node);
			if (type === 'Parallel' && Array.isArray(s.Branches)) {
				s.Branches.forEach((b, i) => {
					const gid = `${id}#branch${i + 1}`;
					g.groups.push({ id: gid, kind: 'branch', owner: id,
					    parent, label: `Branch ${i + 1}`, index: i });
					addScope(b, gid, `${name}.Branches[${i}]`);
				});
			} else if (type === 'Map') {
				const it = isObject(s.ItemProcessor) ? s.ItemProcessor :
				    s.Iterator;
				const gid = `${id}#iterator`;
				g.groups.push({ id: gid, kind: 'iterator', owner: id, parent,
				    label: 'Iterator', index: 0 });
				addScope(it, gid, `${name}.ItemProcessor`);
			}
			if (type === 'Choice') {
				const rules = Array.isArray(s.Choices) ? s.Choices : [];
				rules.forEach((r, i) => {
					const t = target(name, r && r.Next, `Choices[${i}].Next`);
					if (t !== undefined)
						addEdge(id, t, 'choice', ruleLabel(r), parent);
				});
				if (s.Default !== undefined) {
					const t = target(name, s.Default, 'Default');
					if (t !== undefined)
						addEdge(id, t, 'default', 'Default', parent);
				}
			} else if (typeof s.Next === 'string') {
				const t = target(name, s.Next, 'Next');
				if (t !== undefined)
					addEdge(id, t, 'next', '', parent);
			}
			if (Array.isArray(s.Catch)) {
				s.Catch.forEach((c, i) => {
					const t = target(name, c && c.Next, `Catch[${i}].Next`);
					const errs = c && Array.isArray(c.ErrorEquals) ?
					    c.ErrorEquals.join(', ') : '';
					if (t !== undefined)
						addEdge(id, t, 'catch', errs, parent);
				});
			}
		}
		return startId;
	}

	g.nodes.push({ id: START_ID, name: 'Start', type: 'Start', parent: null,
	    start: false, end: false, retry: false, catches: 0, resource: '',
	    pseudo: true });
	const first = addScope(def, null, 'definition');
	g.nodes.push({ id: END_ID, name: 'End', type: 'End', parent: null,
	    start: false, end: false, retry: false, catches: 0, resource: '',
	    pseudo: true });
	if (first !== null)
		addEdge(START_ID, first, 'start', '', null);
	for (const n of g.nodes) {
		if (n.parent === null && n.end && !n.pseudo)
			addEdge(n.id, END_ID, 'end', '', null);
	}
	return g;
}

// Parse definition text; throws a SyntaxError naming the problem.
export function parseDefinition(text) {
	const def = JSON.parse(text);
	if (!isObject(def))
		throw new SyntaxError('a definition is a JSON object');
	return def;
}

// The plain form of a graph, one line per node, group and edge, as
// `sluice graph --format text` prints it:
//   state "Name" Type [start] [end] [in "Group"]
//   group "P#branch1" branch of "P"
//   edge "A" -> "B" choice "$.x == 3"
export function toText(g) {
	const q = (s) => JSON.stringify(s);
	const lines = [];
	for (const n of g.nodes) {
		if (n.pseudo)
			continue;
		let l = `state ${q(n.id)} ${n.type}`;
		if (n.start)
			l += ' start';
		if (n.end)
			l += ' end';
		if (n.parent !== null)
			l += ` in ${q(n.parent)}`;
		lines.push(l);
	}
	for (const gr of g.groups)
		lines.push(`group ${q(gr.id)} ${gr.kind} of ${q(gr.owner)}`);
	for (const e of g.edges) {
		let l = `edge ${q(e.source)} -> ${q(e.target)} ${e.kind}`;
		if (e.label !== '')
			l += ` ${q(e.label)}`;
		lines.push(l);
	}
	for (const p of g.problems)
		lines.push(`problem ${q(p)}`);
	return lines.join('\n') + '\n';
}
