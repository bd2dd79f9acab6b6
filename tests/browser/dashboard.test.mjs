// dashboard.test.mjs: the open dashboard shows a new call within 2 seconds, without a reload.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insertCall, openBrowser, shot, signup } from './lib.mjs';

test('the dashboard updates itself when a call comes in', async () => {
	const b = await openBrowser();
	try {
		const { page } = b;
		const account = await signup(page, 'Live Plumbing');
		await page.goto('/');
		const callsToday = page.locator('[data-stat="calls_today"]');
		assert.equal((await callsToday.textContent()).trim(), '0');
		let reloaded = false;
		page.on('framenavigated', (f) => { if (f === page.mainFrame()) reloaded = true; });
		await shot(page, 'dashboard-1-before-call');

		const t0 = Date.now();
		insertCall(account.orgId, { caller: 'Marcus Bell' });
		await page.waitForFunction(
			() => document.querySelector('[data-stat="calls_today"]').textContent.trim() === '1',
			null, { timeout: 2000, polling: 50 });
		const took = Date.now() - t0;
		assert.ok(took <= 2000, `calls today changed after ${took} ms`);
		assert.equal(reloaded, false, 'the page updated in place');
		await page.locator('[data-events]', { hasText: 'Marcus Bell' }).waitFor({ timeout: 2000 });
		await shot(page, 'dashboard-2-after-call');
	} finally {
		await b.close();
	}
});
