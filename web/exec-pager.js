// Pages of executions, newest first, over one state machine or several:
// ListExecutions takes one stateMachineArn, so "every state machine" is a
// merge of each machine's own newest-first pages. Pure apart from the
// fetch function it is given, so `node --test` checks it.

// A date from the API (epoch seconds, epoch milliseconds, ISO text) in
// milliseconds; 0 when absent or unreadable.
export function dateMs(v) {
	if (typeof v === 'number')
		return v > 1e12 ? v : v * 1000;
	const t = Date.parse(v ?? '');
	return Number.isNaN(t) ? 0 : t;
}

export class ExecutionPager {
	// fetchPage(arn, nextToken) resolves to ListExecutions' result;
	// arns: the state machines to list.
	constructor(fetchPage, arns, pageSize = 20) {
		this.fetchPage = fetchPage;
		this.pageSize = pageSize;
		this.sources = arns.map((arn) => ({ arn, buf: [], token: null,
		    started: false }));
		this.pages = [];
	}

	// Fill a source's buffer when it is empty and has more to give.
	async refill(src) {
		while (src.buf.length === 0 && (!src.started || src.token)) {
			const r = await this.fetchPage(src.arn, src.token ?? undefined);
			src.started = true;
			src.token = r.nextToken || null;
			const list = Array.isArray(r.executions) ? r.executions : [];
			// Newest first even if a page came in another order.
			list.sort((a, b) => dateMs(b.startDate) - dateMs(a.startDate));
			src.buf.push(...list);
		}
	}

	// Whether anything is left after the pages made so far.
	async more() {
		await Promise.all(this.sources.map((s) => this.refill(s)));
		return this.sources.some((s) => s.buf.length > 0);
	}

	// Page n (from 0): { items, more }.
	async page(n) {
		while (this.pages.length <= n) {
			const items = [];
			while (items.length < this.pageSize) {
				await Promise.all(this.sources.map((s) =>
				    this.refill(s)));
				let best = null;
				for (const s of this.sources) {
					if (s.buf.length > 0 && (best === null ||
					    dateMs(s.buf[0].startDate) >
					    dateMs(best.buf[0].startDate)))
						best = s;
				}
				if (best === null)
					break;
				items.push(best.buf.shift());
			}
			this.pages.push(items);
			if (items.length === 0)
				break;
		}
		const items = this.pages[Math.min(n, this.pages.length - 1)];
		return { items, more: await this.more() };
	}
}
