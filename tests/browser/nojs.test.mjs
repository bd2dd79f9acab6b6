// nojs.test.mjs: with JavaScript turned off the forms still work: sign up, log in, save a service.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lit, login, openBrowser, psql, shot, signup } from './lib.mjs';

const SAVE = '#main form[method=post] button.btn-primary';

test('log in and save a service without JavaScript', async () => {
	const b = await openBrowser({ javaScriptEnabled: false });
	try {
		const { page } = b;
		const account = await signup(page, 'No Script Plumbing');
		// app.js makes the menu link a button; the attribute stays unset when scripts do not run.
		assert.equal(await page.getAttribute('.nav-toggle', 'role'), null, 'JavaScript is off');
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/login'),
			page.click('form.logout button'),
		]);
		await login(page, account.email);
		assert.equal(new URL(page.url()).pathname, '/');
		await shot(page, 'nojs-1-dashboard');

		await page.goto('/services/new');
		await page.fill('#name', 'Leak repair');
		await page.fill('#price', 'ninety');
		await page.fill('#duration', '45');
		await page.click(SAVE);
		await page.locator('.field-error').waitFor();
		assert.equal(await page.inputValue('#name'), 'Leak repair');
		await shot(page, 'nojs-2-service-error');

		await page.fill('#price', '89.99');
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/services'),
			page.click(SAVE),
		]);
		assert.match(await page.locator('.flash').innerText(), /Service created/);
		assert.match(await page.locator('table.data tbody').innerText(), /Leak repair[\s\S]*\$89\.99/);
		await shot(page, 'nojs-3-service-saved');
		assert.equal(psql(`SELECT price_cents || ' ' || duration_minutes FROM services
			WHERE org_id = ${lit(account.orgId)} AND name = 'Leak repair'`), '8999 45');
	} finally {
		await b.close();
	}
});
