// auth.test.mjs: a new business signs up, logs out and logs back in; a wrong password is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { login, openBrowser, PASSWORD, shot, signup } from './lib.mjs';

test('sign up, log out, log in', async () => {
	const b = await openBrowser();
	try {
		const { page } = b;
		const account = await signup(page, 'Signup Plumbing');
		await assert.doesNotReject(page.locator('h1', { hasText: 'Dashboard' }).waitFor());
		assert.equal(await page.locator('.org-name').textContent(), account.business);
		await shot(page, 'auth-1-dashboard-after-signup');

		await Promise.all([
			page.waitForURL((u) => u.pathname === '/login'),
			page.click('form.logout button'),
		]);
		await shot(page, 'auth-2-after-logout');
		await page.goto('/calls');
		assert.equal(new URL(page.url()).pathname, '/login', 'signed out: /calls asks to sign in');

		await page.goto('/login');
		await page.fill('#email', account.email);
		await page.fill('#password', 'not the password');
		await page.click('button[type=submit]');
		await page.locator('.field-error').waitFor();
		assert.match(await page.locator('.field-error').innerText(), /do not match/);
		assert.equal(await page.inputValue('#email'), account.email, 'the email is kept');
		await shot(page, 'auth-3-wrong-password');

		await login(page, account.email, PASSWORD);
		assert.equal(new URL(page.url()).pathname, '/');
		assert.equal(await page.locator('.user-email').textContent(), account.email);
		await shot(page, 'auth-4-logged-in');
	} finally {
		await b.close();
	}
});

test('the sign-up form shows what is wrong next to each field', async () => {
	const b = await openBrowser();
	try {
		const { page } = b;
		await page.goto('/signup');
		await page.fill('#business', '<b>Bold</b> Plumbing');
		await page.fill('#email', 'not-an-email');
		await page.fill('#password', 'short');
		await page.fill('#timezone', 'Mars/Olympus');
		await page.click('button[type=submit]');
		await page.locator('.field-error').first().waitFor();
		assert.equal(await page.locator('.field-error').count(), 4, 'the kind of business is required too');
		assert.equal(await page.inputValue('#business'), '<b>Bold</b> Plumbing');
		assert.equal(await page.locator('b', { hasText: 'Bold' }).count(), 0, 'typed HTML stays text');
		await shot(page, 'auth-5-signup-errors');
	} finally {
		await b.close();
	}
});
