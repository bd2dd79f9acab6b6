// account.test.mjs: an owner who forgot the password resets it by email, and an owner turns on
// two-factor sign-in with an authenticator app and then signs in with a code.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { mailLink, openBrowser, OUTPUT, PASSWORD, shot, signup, watch } from './lib.mjs';

const NEW_PASSWORD = 'a brand new passphrase';

/* The bytes of an unpadded base32 text (RFC 4648), as authenticator apps read a setup key. */
function base32Bytes(text) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = 0, value = 0;
	const out = [];
	for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
		value = (value << 5) | alphabet.indexOf(c);
		bits += 5;
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}

/* The 6-digit code of a secret for a 30-second time step (RFC 6238, HMAC-SHA1), as an app. */
function totp(secret, step) {
	const counter = Buffer.alloc(8);
	counter.writeBigUInt64BE(BigInt(step));
	const mac = createHmac('sha1', base32Bytes(secret)).update(counter).digest();
	const offset = mac[mac.length - 1] & 0x0f;
	return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, '0');
}

/* The current time step, after waiting out a step about to end (so a code stays current). */
async function roomyStep() {
	const left = 30 - (Date.now() / 1000) % 30;
	if (left < 10)
		await new Promise((done) => setTimeout(done, left * 1000 + 200));
	return Math.floor(Date.now() / 30000);
}

async function logout(page) {
	await Promise.all([
		page.waitForURL((u) => u.pathname === '/login'),
		page.click('form.logout button'),
	]);
}

test('a forgotten password is reset through the emailed link', async () => {
	const b = await openBrowser();
	try {
		const { page } = b;
		const account = await signup(page, 'Reset Plumbing');
		await logout(page);

		await page.click('a[href="/password/forgot"]');
		await page.waitForURL((u) => u.pathname === '/password/forgot');
		await page.fill('#email', account.email);
		await shot(page, 'account-1-forgot');
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/login'),
			page.click('button[type=submit]'),
		]);
		assert.match(await page.locator('.flash').innerText(), /If an account uses that email/);

		const link = await mailLink(account.email, '/password/reset/');
		const seen = watch(page);
		await page.goto(link);
		assert.match(await page.locator('h1').innerText(), /Choose a new password/);
		// Opening the link used nothing up (a mail scanner may fetch it first).
		await page.reload();
		assert.match(await page.locator('h1').innerText(), /Choose a new password/);
		await page.fill('#password', NEW_PASSWORD);
		await page.fill('#password_confirm', NEW_PASSWORD);
		await shot(page, 'account-2-reset-form');
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/login'),
			page.click('button[type=submit]'),
		]);
		assert.match(await page.locator('.flash').innerText(), /signed out/);
		seen.stop();
		assert.deepEqual(seen.problems(), []);

		// The old password no longer works; the new one does.
		await page.fill('#email', account.email);
		await page.fill('#password', PASSWORD);
		await page.click('button[type=submit]');
		await page.locator('.field-error').waitFor();
		await page.fill('#password', NEW_PASSWORD);
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/'),
			page.click('button[type=submit]'),
		]);
		assert.equal(await page.locator('.user-email').textContent(), account.email);

		// The link was good once.
		await page.goto(link);
		assert.match(await page.locator('h1').innerText(), /already used/);
		await shot(page, 'account-3-link-used');
	} finally {
		await b.close();
	}
});

test('two-factor sign-in: turned on with an app, then a code after the password', async () => {
	const b = await openBrowser();
	try {
		const { page } = b;
		const account = await signup(page, 'Two Factor Salon');
		const seen = watch(page);

		await page.goto('/account');
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/account/two-factor'),
			page.click('a[href="/account/two-factor"]'),
		]);
		const secret = (await page.locator('#secret').innerText()).replace(/\s/g, '');
		assert.match(secret, /^[A-Z2-7]{32}$/);
		const uri = await page.locator('#otpauth-uri').innerText();
		assert.match(uri, new RegExp(`^otpauth://totp/Switchboard.*secret=${secret}`));
		// The QR code, as a phone's camera sees the page, reads back as that same address.
		const qr = page.locator('#qr');
		assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0),
			'the QR code is drawn');
		const picture = path.join(OUTPUT, `two-factor-qr-${account.orgId}.png`);
		await qr.screenshot({ path: picture });
		const read = execFileSync('zbarimg', ['--quiet', '--raw', picture], { encoding: 'utf8' });
		assert.equal(read.trim(), uri.trim());
		await shot(page, 'account-4-two-factor-setup');
		const step = await roomyStep();
		await page.fill('#code', totp(secret, step));
		// The sidebar's log-out button is a submit button too: name the form's own.
		await page.click('form[action="/account/two-factor"] button[type=submit]');
		await page.locator('.recovery-codes li').first().waitFor();
		assert.equal(await page.locator('.recovery-codes li').count(), 10);
		await shot(page, 'account-5-recovery-codes');
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/account'),
			page.locator('a', { hasText: 'I have saved them' }).click(),
		]);
		assert.equal(await page.locator('.recovery-left').innerText(), '10');

		await logout(page);
		await page.fill('#email', account.email);
		await page.fill('#password', PASSWORD);
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/login/code'),
			page.click('button[type=submit]'),
		]);
		await shot(page, 'account-6-code-asked');
		// The password alone opened nothing.
		const probe = await page.request.get('/', { maxRedirects: 0 });
		assert.ok([302, 303].includes(probe.status()), `status ${probe.status()}`);
		// The enrolment used this step's code; the next step's is within the window.
		await page.fill('#code', totp(secret, step + 1));
		await Promise.all([
			page.waitForURL((u) => u.pathname === '/'),
			page.click('button[type=submit]'),
		]);
		assert.equal(await page.locator('.user-email').textContent(), account.email);
		await shot(page, 'account-7-signed-in-with-code');
		seen.stop();
		assert.deepEqual(seen.problems(), []);
	} finally {
		await b.close();
	}
});
