// leads.test.mjs: the owner filters and searches the leads and exports what the filter shows as CSV.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { lit, openBrowser, psql, shot, signup } from './lib.mjs';

const LEADS = [
	// name, phone, status, temperature, score, value in cents, summary
	['Alice Hartman', '+15550100001', 'new', 'hot', 92, 48000, 'Burst pipe in the basement'],
	['Bob Okafor', '+15550100002', 'contacted', 'warm', 61, 12000, 'Quote for a new water heater'],
	['Carol Nguyen', '+15550100003', 'qualified', 'hot', 85, 95000, 'Bathroom remodel, "asap"'],
	['Dan Whitaker', '+15550100004', 'lost', 'cold', 12, null, 'Wrong number'],
	['Eve Lindqvist', '+15550100005', 'booked', 'hot', 77, 30000, 'Drain cleaning on Friday'],
];

function rowNames(page) {
	return page.locator('#leads tbody tr td:first-child a').allTextContents();
}

/* Submit the filters and wait for the new page: the address already matches "/leads?" after
 * the first filter, so waiting for the address alone could read the page being left. */
async function filter(page) {
	await Promise.all([
		page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
		page.click('form.filters button[type=submit]'),
	]);
	await page.waitForLoadState('load');
}

test('filter leads and export them as CSV', async () => {
	const b = await openBrowser();
	try {
		const { page } = b;
		const account = await signup(page, 'Leads Plumbing');
		psql(`INSERT INTO leads (org_id, name, phone, status, temperature, score, value_cents,
			summary) VALUES ${LEADS.map((l) => `(${lit(account.orgId)}, ${l.slice(0, 4).map(lit).join(', ')},
			${l[4]}, ${l[5] === null ? 'NULL' : l[5]}, ${lit(l[6])})`).join(',\n')}`);

		await page.goto('/leads');
		assert.deepEqual((await rowNames(page)).sort(), LEADS.map((l) => l[0]).sort());
		await shot(page, 'leads-1-all');

		await page.selectOption('#temperature', 'hot');
		await filter(page);
		assert.deepEqual((await rowNames(page)).sort(),
			['Alice Hartman', 'Carol Nguyen', 'Eve Lindqvist']);
		assert.equal(await page.inputValue('#temperature'), 'hot', 'the filter stays chosen');
		await shot(page, 'leads-2-hot');

		const [download] = await Promise.all([
			page.waitForEvent('download'),
			page.locator('.page-header a', { hasText: 'Export CSV' }).click(),
		]);
		assert.match(download.suggestedFilename(), /^leads-\d{4}-\d{2}-\d{2}\.csv$/);
		const csv = fs.readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
		const lines = csv.trimEnd().split('\r\n');
		assert.equal(lines[0], '"Name","Phone","Email","Status","Temperature","Score","Value",' +
			'"Summary","Last contacted","Created","Updated"');
		assert.equal(lines.length, 4, `a header and the three hot leads:\n${csv}`);
		const carol = lines.find((l) => l.startsWith('"Carol Nguyen"'));
		assert.ok(carol, csv);
		assert.match(carol, /"qualified","hot","85","950.00","Bathroom remodel, ""asap"""/);
		assert.ok(!csv.includes('Bob Okafor') && !csv.includes('Dan Whitaker'),
			'the export holds only what the filter shows');

		await page.selectOption('#status', 'qualified');
		await filter(page);
		assert.deepEqual(await rowNames(page), ['Carol Nguyen']);
		await shot(page, 'leads-3-hot-qualified');

		await page.selectOption('#status', '');
		await page.selectOption('#temperature', '');
		await page.fill('#q', 'water heater');
		await filter(page);
		assert.deepEqual(await rowNames(page), ['Bob Okafor']);
		await shot(page, 'leads-4-search');

		await page.fill('#q', 'nobody by this name');
		await filter(page);
		assert.equal(await page.locator('#leads').count(), 0);
		assert.match(await page.locator('.empty h2').innerText(), /No leads match/);
		await shot(page, 'leads-5-no-match');
	} finally {
		await b.close();
	}
});
