// services.test.mjs: the owner creates a service, sees a bad price refused, and edits it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lit, openBrowser, psql, shot, signup } from './lib.mjs';

const SAVE = '#main form[method=post] button.btn-primary';

test('create and edit a service', async () => {
	const b = await openBrowser();
	try {
		const { page } = b;
		const account = await signup(page, 'Services Plumbing');
		await page.goto('/services');
		await shot(page, 'services-1-empty');
		await Promise.all([
			page.waitForURL('**/services/new'),
			page.locator('.page-header a', { hasText: 'New service' }).click(),
		]);
		await page.fill('#name', 'Drain cleaning');
		await page.fill('#price', '-5');
		await page.fill('#duration', '90');
		await page.fill('#keywords', 'drain, clog, blocked sink');
		await page.click(SAVE);
		await page.locator('.field-error').waitFor();
		assert.equal(await page.inputValue('#name'), 'Drain cleaning', 'what was typed is kept');
		assert.equal(await page.locator('.field.has-error #price').count(), 1,
			'the price is marked as the field in error');
		await shot(page, 'services-2-bad-price');

		await page.fill('#price', '149.50');
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/services'),
			page.click(SAVE),
		]);
		assert.match(await page.locator('.flash').innerText(), /Service created/);
		const row = page.locator('table.data tbody tr', { hasText: 'Drain cleaning' });
		assert.match(await row.innerText(), /\$149\.50/);
		assert.match(await row.innerText(), /90 min/);
		await shot(page, 'services-3-created');

		await Promise.all([
			page.waitForURL('**/services/*/edit'),
			row.locator('a', { hasText: 'Edit' }).click(),
		]);
		assert.equal(await page.inputValue('#price'), '149.50');
		await page.fill('#name', 'Drain cleaning (deluxe)');
		await page.fill('#price', '175');
		await page.fill('#duration', '120');
		await shot(page, 'services-4-edit');
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/services'),
			page.click(SAVE),
		]);
		assert.match(await page.locator('.flash').innerText(), /Service saved/);
		const edited = page.locator('table.data tbody tr', { hasText: 'Drain cleaning (deluxe)' });
		assert.match(await edited.innerText(), /\$175\.00/);
		assert.match(await edited.innerText(), /120 min/);
		await shot(page, 'services-5-edited');

		const stored = psql(`SELECT name || '|' || price_cents || '|' || duration_minutes || '|' ||
			array_to_string(keywords, ',') FROM services WHERE org_id = ${lit(account.orgId)}`);
		assert.equal(stored, 'Drain cleaning (deluxe)|17500|120|drain,clog,blocked sink');
	} finally {
		await b.close();
	}
});
