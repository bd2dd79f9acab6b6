// live.test.mjs: open pages show a change at once after its commit in PostgreSQL (live events
// over server-sent events from switchboard-live, through nginx), toast new calls and bookings,
// and count unseen ones in the tab's title.
// runs alone: a test restarts the stack's switchboard-live, which every open page streams from.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { insertCall, lit, openBrowser, psql, shot, signup, tag } from './lib.mjs';

/*
 * The product's figure is 300 ms, measured on a quiet stack by `tests/bench/run live-pages`,
 * which runs this file with SB_LIVE_BUDGET_MS=300. The suite runs beside a second stack on a
 * shared machine, where a scheduler's pause is no fault of the page: there the budget is what
 * a person still sees as live.
 */
const BUDGET_MS = Number(process.env.SB_LIVE_BUDGET_MS) || 1500;
const RUNS = 20;

/*
 * Run sql in one transaction and return when it committed (ms since the epoch, on this
 * machine's clock), with the rows it printed. The time is read by PostgreSQL as the last
 * statement before COMMIT: the commit comes after it, so a latency measured from it is never
 * less than the true one (a time read after COMMIT could come late, after the page changed).
 */
function commitAt(sql) {
	const out = psql(`BEGIN;\n${sql};\n` +
		`SELECT 'commit ' || (extract(epoch FROM clock_timestamp()) * 1000)::bigint;\nCOMMIT;`);
	const lines = out.split('\n').filter((l) => l);
	const mark = lines.find((l) => l.startsWith('commit '));
	return { at: Number(mark.replace('commit ', '')), rows: lines.filter((l) => l !== mark) };
}

/*
 * Record, in the page, when what selector finds first matches (ms since the epoch): its text is
 * want.text, or contains want.contains, or there are want.count elements.
 */
async function watchFor(page, selector, want) {
	await page.evaluate(([sel, w]) => {
		window.__liveSeen = null;
		const matches = () => {
			if (w.count !== undefined)
				return document.querySelectorAll(sel).length === w.count;
			const el = document.querySelector(sel);
			const text = el ? el.textContent.trim() : null;
			return text !== null && (w.text !== undefined ? text === w.text : text.includes(w.contains));
		};
		const check = () => {
			if (!window.__liveSeen && matches()) {
				window.__liveSeen = Date.now();
				window.__liveObserver.disconnect();
			}
		};
		if (window.__liveObserver)
			window.__liveObserver.disconnect();
		window.__liveObserver = new MutationObserver(check);
		window.__liveObserver.observe(document.body, { subtree: true, childList: true,
			characterData: true });
	}, [selector, want]);
}

async function seenAt(page) {
	await page.waitForFunction(() => window.__liveSeen, null, { timeout: 5000, polling: 20 });
	return page.evaluate(() => window.__liveSeen);
}

async function openLive(page, path) {
	await page.goto(path);
	await page.waitForSelector('body[data-live-state="open"]', { timeout: 5000 });
}

function newCallSql(orgId, phone) {
	return `INSERT INTO calls (org_id, provider, provider_call_id, direction, from_number,
		to_number, status) VALUES (${lit(orgId)}, 'twilio', ${lit(`CA${tag()}${tag()}`)},
		'inbound', ${lit(phone)}, '+15550000000', 'in-progress') RETURNING id`;
}

function percentile(sorted, p) {
	return sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
}

test(`the dashboard shows a new call within ${BUDGET_MS} ms of its commit, ${RUNS} times out of ${RUNS}`, async () => {
	const b = await openBrowser();
	try {
		const { page } = b;
		const account = await signup(page, 'Live Dashboard');
		await openLive(page, '/');
		let reloaded = false;
		page.on('framenavigated', (f) => { if (f === page.mainFrame()) reloaded = true; });
		const took = [];
		for (let i = 1; i <= RUNS; i++) {
			await watchFor(page, '[data-stat="calls_today"]', { text: String(i) });
			const { at } = commitAt(newCallSql(account.orgId, `+1555010${String(i).padStart(4, '0')}`));
			took.push(await seenAt(page) - at);
		}
		const sorted = took.slice().sort((x, y) => x - y);
		console.log(`live dashboard: commit to page, ms, in order: ${took.join(' ')}`);
		console.log(`live dashboard: min ${sorted[0]} p50 ${percentile(sorted, 50)} ` +
			`p90 ${percentile(sorted, 90)} max ${sorted[sorted.length - 1]}`);
		assert.equal(reloaded, false, 'the page updated in place');
		const late = took.filter((t) => t > BUDGET_MS);
		assert.deepEqual(late, [], `runs over ${BUDGET_MS} ms: ${late.join(', ')}`);
		await shot(page, 'live-dashboard-after-calls');
	} finally {
		await b.close();
	}
});

test('the calls list, a call in progress and the lead page update themselves', async () => {
	const b = await openBrowser();
	try {
		const { page } = b;
		const account = await signup(page, 'Live Pages');
		const { callId, leadId } = insertCall(account.orgId, { caller: 'Nora Quill' });

		// The calls list: a new call appears.
		await openLive(page, '/calls');
		await watchFor(page, '[data-live-region="calls"] tbody tr', { count: 2 });
		let c = commitAt(newCallSql(account.orgId, '+15550109999'));
		let took = await seenAt(page) - c.at;
		console.log(`live calls list: ${took} ms`);
		assert.ok(took <= BUDGET_MS, `the calls list changed ${took} ms after the commit`);

		// A call's page while it is in progress: each turn shows as it is stored.
		const live = c.rows[0];
		await openLive(page, `/calls/${live}`);
		await watchFor(page, '.transcript .turn:last-child .turn-text', { text: 'My basement is flooding!' });
		c = commitAt(`INSERT INTO call_turns (org_id, call_id, seq, speaker, text)
			VALUES (${lit(account.orgId)}, ${lit(live)}, 0, 'caller', 'My basement is flooding!')`);
		took = await seenAt(page) - c.at;
		console.log(`live call page: ${took} ms`);
		assert.ok(took <= BUDGET_MS, `the transcript changed ${took} ms after the commit`);
		// What a caller says is text on the page, never markup.
		await watchFor(page, '.transcript .turn:last-child .turn-text', { text: '<b>x</b><script>alert(1)</script>' });
		commitAt(`INSERT INTO call_turns (org_id, call_id, seq, speaker, text)
			VALUES (${lit(account.orgId)}, ${lit(live)}, 1, 'caller', '<b>x</b><script>alert(1)</script>')`);
		await seenAt(page);
		assert.equal(await page.locator('.transcript b').count(), 0);

		// The lead page: a new score shows.
		await openLive(page, `/leads/${leadId}`);
		await watchFor(page, '[data-live-region="lead-details"]', { contains: '41 / 100' });
		c = commitAt(`UPDATE leads SET score = 41, temperature = 'warm' WHERE id = ${lit(leadId)}`);
		took = await seenAt(page) - c.at;
		console.log(`live lead page: ${took} ms`);
		assert.ok(took <= BUDGET_MS, `the lead's score changed ${took} ms after the commit`);
		await shot(page, 'live-lead-after-score');
		assert.ok(callId);
	} finally {
		await b.close();
	}
});

test('a new call and a new booking are toasted and counted in the title until seen', async () => {
	const b = await openBrowser();
	try {
		const { page } = b;
		const account = await signup(page, 'Live Toasts');
		await openLive(page, '/');
		assert.equal(await page.title(), 'Dashboard · Switchboard');
		// The owner is looking at another window.
		await page.evaluate(() => { document.hasFocus = () => false; });

		const { rows } = commitAt(newCallSql(account.orgId, '+15550107777'));
		const toast = page.locator('.toast', { hasText: 'New call' });
		await toast.waitFor({ timeout: 5000 });
		assert.equal(await toast.getAttribute('href'), `/calls/${rows[0]}`);
		await page.waitForFunction(() => document.title === '(1) Dashboard · Switchboard',
			null, { timeout: 5000 });

		commitAt(`INSERT INTO appointments (org_id, customer_name, starts_at, ends_at)
			VALUES (${lit(account.orgId)}, 'Ola Booker', now() + interval '1 day',
				now() + interval '1 day 1 hour')`);
		await page.locator('.toast', { hasText: 'New booking' }).waitFor({ timeout: 5000 });
		await page.waitForFunction(() => document.title === '(2) Dashboard · Switchboard',
			null, { timeout: 5000 });
		await shot(page, 'live-toasts');

		// Coming back to the tab clears the count.
		await page.evaluate(() => window.dispatchEvent(new Event('focus')));
		assert.equal(await page.title(), 'Dashboard · Switchboard');
		// A turn or a change to a call is no news: no toast, no count.
		await page.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
		commitAt(`UPDATE calls SET status = 'completed' WHERE id = ${lit(rows[0])}`);
		await page.waitForTimeout(500);
		assert.equal(await page.locator('.toast').count(), 0);
		assert.equal(await page.title(), 'Dashboard · Switchboard');
	} finally {
		await b.close();
	}
});

test('a tab whose stream was cut catches up on what it missed', async (t) => {
	const state = process.env.SB_STATE;
	if (!state)
		return t.skip('SB_STATE (scripts/test) names the stack whose switchboard-live restarts');
	const b = await openBrowser();
	try {
		const { page } = b;
		const account = await signup(page, 'Live Reconnect');
		await openLive(page, '/');
		// The tab cannot reconnect for now; then switchboard-live restarts, ending the stream
		// and forgetting every buffer, so the id the tab resumes from is of no use: only a
		// resync, and the page's refetch, can tell it what happened meanwhile.
		await page.route('**/live/**', (route) => route.abort());
		execFileSync('python3', [new URL('../integration/live_process.py', import.meta.url).pathname,
			'restart', state]);
		await page.waitForSelector('body[data-live-state="lost"]', { timeout: 10000 });
		commitAt(newCallSql(account.orgId, '+15550105551'));
		commitAt(newCallSql(account.orgId, '+15550105552'));
		await page.waitForTimeout(300);
		assert.equal((await page.locator('[data-stat="calls_today"]').textContent()).trim(), '0');
		await page.unroute('**/live/**');
		await page.waitForFunction(
			() => document.querySelector('[data-stat="calls_today"]').textContent.trim() === '2',
			null, { timeout: 20000, polling: 50 });
		await shot(page, 'live-after-reconnect');
	} finally {
		await b.close();
	}
});

test('another business\'s new call reaches no page of this one', async () => {
	const b = await openBrowser();
	try {
		const { page } = b;
		const account = await signup(page, 'Live Quiet');
		await openLive(page, '/');
		const other = psql(`SELECT id FROM organizations WHERE id <> ${lit(account.orgId)} LIMIT 1`);
		commitAt(newCallSql(other, '+15550106666'));
		await page.waitForTimeout(500);
		assert.equal(await page.locator('.toast').count(), 0);
		assert.equal((await page.locator('[data-stat="calls_today"]').textContent()).trim(), '0');
	} finally {
		await b.close();
	}
});
