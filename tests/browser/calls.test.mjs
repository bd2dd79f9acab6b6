// calls.test.mjs: the owner opens a call from the calls list and reads its transcript.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { insertCall, openBrowser, shot, signup } from './lib.mjs';

test('open a call from the list and see its transcript', async () => {
	const b = await openBrowser();
	try {
		const { page } = b;
		const account = await signup(page, 'Calls Plumbing');
		const turns = [
			['assistant', 'Thanks for calling Calls Plumbing. How can I help?'],
			['caller', 'Water is coming through my <ceiling>, please hurry.'],
			['assistant', 'I can send someone at 2 pm today. Shall I book it?'],
			['caller', 'Yes please.'],
		];
		const { callId } = insertCall(account.orgId, { caller: 'Priya Raman', turns });

		await page.goto('/calls');
		await shot(page, 'calls-1-list');
		const link = page.locator(`a[href="/calls/${callId}"]`);
		assert.equal(await link.count(), 1, 'the call is listed');
		assert.match(await page.locator('table.data tbody tr').first().innerText(), /Priya Raman/);
		await Promise.all([
			page.waitForURL(`**/calls/${callId}`),
			link.click(),
		]);

		const shown = page.locator('.transcript .turn');
		assert.equal(await shown.count(), turns.length);
		for (let i = 0; i < turns.length; i++) {
			const [who, text] = turns[i];
			const turn = shown.nth(i);
			assert.match(await turn.getAttribute('class'), new RegExp(`turn-${who}`));
			assert.equal(await turn.locator('.turn-text').textContent(), text);
		}
		assert.equal(await page.locator('.transcript ceiling').count(), 0, 'what a caller said stays text');
		assert.match(await page.locator('#main').innerText(), /Leaking kitchen sink/, 'the summary shows');
		await shot(page, 'calls-2-call');
	} finally {
		await b.close();
	}
});
