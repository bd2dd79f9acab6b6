// settings.test.mjs: the owner changes the business hours and adds and edits a knowledge-base entry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lit, openBrowser, psql, shot, signup } from './lib.mjs';

const SAVE = '#main form[method=post] button.btn-primary';

test('edit the business hours', async () => {
	const b = await openBrowser();
	try {
		const { page } = b;
		const account = await signup(page, 'Hours Plumbing');
		await page.goto('/settings');
		await shot(page, 'settings-1-business');
		await Promise.all([
			page.waitForURL('**/settings/hours'),
			page.locator('.settings-nav a', { hasText: 'Hours' }).click(),
		]);
		await page.check('#mon_open');
		await page.fill('#mon_from', '08:00');
		await page.fill('#mon_to', '18:30');
		await page.uncheck('#sun_open');
		// A day that closes before it opens is refused, and nothing is saved.
		await page.check('#sat_open');
		await page.fill('#sat_from', '14:00');
		await page.fill('#sat_to', '10:00');
		await page.click(SAVE);
		await page.locator('.field-error').waitFor();
		assert.match(await page.locator('.field-error').innerText(), /after the opening time/);
		assert.equal(await page.inputValue('#mon_from'), '08:00', 'what was typed is kept');
		await shot(page, 'settings-2-hours-error');

		await page.fill('#sat_from', '09:00');
		await page.fill('#sat_to', '13:00');
		await Promise.all([
			page.waitForURL('**/settings/hours'),
			page.click(SAVE),
		]);
		assert.match(await page.locator('.flash').first().innerText(), /Business hours saved/);
		assert.equal(await page.inputValue('#mon_from'), '08:00');
		assert.equal(await page.inputValue('#mon_to'), '18:30');
		assert.equal(await page.isChecked('#sun_open'), false);
		assert.equal(await page.isChecked('#sat_open'), true);
		await shot(page, 'settings-3-hours-saved');

		const hours = JSON.parse(psql(`SELECT business_hours FROM organizations
			WHERE id = ${lit(account.orgId)}`));
		assert.deepEqual(hours.mon, [['08:00', '18:30']]);
		assert.deepEqual(hours.sat, [['09:00', '13:00']]);
		assert.deepEqual(hours.sun, []);
	} finally {
		await b.close();
	}
});

test('add and edit a knowledge-base entry', async () => {
	const b = await openBrowser();
	try {
		const { page } = b;
		const account = await signup(page, 'Knowledge Plumbing');
		await page.goto('/settings/knowledge');
		await shot(page, 'settings-4-knowledge-empty');
		await page.fill('#question', 'Do you work on weekends?');
		await page.fill('#answer', 'Yes, <i>Saturday</i> mornings from 9 to 1.');
		await Promise.all([
			page.waitForURL('**/settings/knowledge'),
			page.click(SAVE),
		]);
		assert.match(await page.locator('.flash').first().innerText(), /entry added/);
		const row = page.locator('table.data tbody tr', { hasText: 'Do you work on weekends?' });
		assert.match(await row.innerText(), /Yes, <i>Saturday<\/i> mornings/, 'HTML shows as text');
		await shot(page, 'settings-5-knowledge-added');

		await Promise.all([
			page.waitForURL('**/settings/knowledge/*'),
			row.locator('a', { hasText: 'Edit' }).click(),
		]);
		await page.fill('#answer', '');
		await page.click(SAVE);
		await page.locator('.field-error').waitFor();
		assert.equal(await page.inputValue('#question'), 'Do you work on weekends?');
		await shot(page, 'settings-6-knowledge-error');

		await page.fill('#question', 'Do you work on Saturdays?');
		await page.fill('#answer', 'Yes, from 9 am to 1 pm.');
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/settings/knowledge'),
			page.click(SAVE),
		]);
		assert.match(await page.locator('.flash').first().innerText(), /entry saved/);
		assert.match(await page.locator('table.data tbody').innerText(), /Do you work on Saturdays\?/);
		await shot(page, 'settings-7-knowledge-edited');

		const stored = psql(`SELECT question || '|' || answer FROM knowledge_entries
			WHERE org_id = ${lit(account.orgId)}`);
		assert.equal(stored, 'Do you work on Saturdays?|Yes, from 9 am to 1 pm.');
	} finally {
		await b.close();
	}
});
