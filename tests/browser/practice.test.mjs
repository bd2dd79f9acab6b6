// practice.test.mjs: the owner runs practice calls from the settings and reads who got what, with a transcript.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lit, openBrowser, psql, shot, signup, watch } from './lib.mjs';

test('run practice calls and read a transcript', async () => {
	const b = await openBrowser();
	try {
		const { page } = b;
		const account = await signup(page, 'Practice Plumbing');
		psql(`INSERT INTO services (org_id, name, price_cents, duration_minutes)
			VALUES (${lit(account.orgId)}, 'Drain cleaning', 14900, 60);
			INSERT INTO knowledge_entries (org_id, question, answer)
			VALUES (${lit(account.orgId)}, 'Do you offer financing?',
				'Yes, we offer financing on jobs over $1,000.')`);
		const seen = watch(page);
		await page.goto('/settings');
		await Promise.all([
			page.waitForURL('**/settings/practice'),
			page.locator('.settings-nav a', { hasText: 'Practice calls' }).click(),
		]);
		assert.match(await page.locator('#practice').innerText(), /No practice calls yet/);
		await Promise.all([
			page.waitForURL('**/settings/practice'),
			page.click('#practice button[type=submit]'),
		]);
		// static/practice.js reloads the page until the run is done.
		await page.locator('#practice-status', { hasText: /callers got what they called for/ })
			.waitFor({ timeout: 20000 });
		await shot(page, 'practice-1-results');
		const status = await page.locator('#practice-status').innerText();
		assert.match(status, /\d+ of \d+ callers got what they called for/);

		const call = page.locator('.practice-call', { hasText: 'Ask the price of Drain cleaning' });
		await call.locator('summary').click();
		const transcript = await call.locator('.transcript').innerText();
		assert.match(transcript, /Caller/);
		assert.match(transcript, /Receptionist/);
		assert.match(transcript, /\$149/);
		await shot(page, 'practice-2-transcript');
		seen.stop();
		assert.deepEqual(seen.problems(), []);

		// Nothing the practice callers did counts as a call, a lead or an appointment.
		const left = psql(`SELECT (SELECT count(*) FROM calls WHERE org_id = ${lit(account.orgId)})
			+ (SELECT count(*) FROM leads WHERE org_id = ${lit(account.orgId)})
			+ (SELECT count(*) FROM appointments WHERE org_id = ${lit(account.orgId)})`);
		assert.equal(left, '0');
	} finally {
		await b.close();
	}
});
