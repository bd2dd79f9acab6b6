// onboarding.test.mjs: a new dental clinic signs up, runs practice calls, gets a number from the
// platform's Twilio account and takes a signed test call on it, all through the pages; the set-up
// checklist follows along.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { BASE, DESKTOP, lit, login, mailLink, openBrowser, PASSWORD, PHONE, psql, shot, tag, watch }
	from './lib.mjs';

const TOKEN = process.env.SB_TWILIO_AUTH_TOKEN || '';
const ACCOUNT = process.env.TWILIO_ACCOUNT_SID || `AC${randomBytes(16).toString('hex')}`;

/* X-Twilio-Signature as Twilio computes it: the URL, then each name and value sorted by name. */
function twilioSign(token, url, params) {
	let text = url;
	for (const name of Object.keys(params).sort())
		text += name + params[name];
	return createHmac('sha1', token).update(text, 'utf8').digest('base64');
}

/* A form POST to a Twilio webhook of the stack, signed over its public address (PUBLIC_BASE_URL,
 * which scripts/test makes the stack's own address). */
async function twilioPost(path, params) {
	const url = BASE + path;
	return fetch(url, {
		method: 'POST',
		headers: {
			'Content-Type': 'application/x-www-form-urlencoded',
			'X-Twilio-Signature': twilioSign(TOKEN, url, params),
		},
		body: new URLSearchParams(params).toString(),
		redirect: 'manual',
	});
}

/* The set-up checklist item whose label starts with label: 'yes' or 'no'. */
async function item(page, label) {
	return page.locator('#setup-checklist li', { hasText: label }).getAttribute('data-done');
}

test('a new business goes from sign-up to a practice run and a test call on its own number',
	async () => {
		assert.ok(TOKEN, 'scripts/test exports SB_TWILIO_AUTH_TOKEN');
		const b = await openBrowser();
		try {
			const { page } = b;
			const t = tag();
			const business = `Bright Smile Dental ${t}`;
			const email = `owner-${t}@example.test`;
			const seen = watch(page);

			// 1. Sign up as a dental clinic; sign-up sends the owner to sign in.
			await page.goto('/signup');
			await page.fill('#business', business);
			await page.fill('#email', email);
			await page.fill('#password', PASSWORD);
			await page.fill('#timezone', 'America/New_York');
			await page.selectOption('#business_kind', { label: 'Dental clinic' });
			await shot(page, 'onboarding-1-signup');
			await Promise.all([
				page.waitForURL((u) => u.pathname === '/login'),
				page.click('button[type=submit]'),
			]);
			await login(page, email);
			assert.equal(new URL(page.url()).pathname, '/');
			const orgId = psql(`SELECT org_id FROM users WHERE lower(email) = lower(${lit(email)})`);
			assert.match(orgId, /^[0-9a-f-]{36}$/);
			// The banner asks to confirm the email; the emailed link does.
			assert.match(await page.locator('.verify-banner').innerText(), /Confirm your email/);
			// Opening the link only shows a button (a mail scanner's fetch verifies nothing).
			await page.goto(await mailLink(email, '/verify-email/'));
			assert.match(await page.locator('h1').innerText(), /Confirm your email/);
			assert.equal(psql(`SELECT email_verified_at IS NULL FROM users ` +
				`WHERE lower(email) = lower(${lit(email)})`), 't');
			await Promise.all([
				page.waitForURL((u) => u.pathname === '/'),
				page.click('button[type=submit]'),
			]);
			assert.match(await page.locator('.flash').innerText(), /Your email is verified/);
			assert.equal(await page.locator('.verify-banner').count(), 0);

			// 2. The dashboard lists what is left to set up.
			await page.locator('#setup-checklist').waitFor();
			assert.equal(await item(page, 'Kind of business chosen'), 'yes');
			assert.equal(await item(page, 'A connected, verified phone line'), 'no');
			assert.equal(await item(page, 'A real test call received'), 'no');
			assert.equal(await item(page, 'A first practice run'), 'no');
			await shot(page, 'onboarding-2-dashboard-new');

			// 3. Practice calls, from the settings.
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
				.waitFor({ timeout: 30000 });
			const [, passed] = (await page.locator('#practice-status').innerText())
				.match(/(\d+) of (\d+) callers got what they called for/);
			assert.ok(Number(passed) > 0, 'some callers got what they called for');
			const got = page.locator('.practice-call', { hasText: 'Got it' }).first();
			await got.locator('summary').click();
			const transcript = await got.locator('.transcript').innerText();
			assert.match(transcript, /Caller/);
			assert.match(transcript, /Receptionist/);
			await shot(page, 'onboarding-3-practice');

			// 4. The phone line: a number bought from the platform's account.
			await page.goto('/line');
			assert.match(await page.locator('#main').innerText(), /No numbers yet/);
			await page.fill('#buy_area_code', '415');
			await Promise.all([
				page.waitForURL('**/line/search'),
				page.locator('form[action="/line/search"]', { hasText: 'Find numbers' }).first()
					.locator('button[type=submit]').click(),
			]);
			const taken = new Set(psql('SELECT e164 FROM phone_numbers').split('\n'));
			const offered = await page.locator('form[action="/line/buy"] input[name=phone_number]')
				.evaluateAll((inputs) => inputs.map((i) => i.value));
			const e164 = offered.find((n) => !taken.has(n));
			assert.ok(e164 && e164.startsWith('+1415'), `a 415 number is offered: ${offered}`);
			await shot(page, 'onboarding-4-line-search');
			await Promise.all([
				page.waitForURL((u) => u.pathname === '/line'),
				page.locator('form[action="/line/buy"]', {
					has: page.locator(`input[value="${e164}"]`),
				}).locator('button[type=submit]').click(),
			]);
			assert.match(await page.locator('.flash').first().innerText(), /answers calls now/);
			const row = page.locator('table.data tbody tr', { hasText: e164 });
			assert.match(await row.innerText(), /verified/);
			assert.doesNotMatch(await row.innerText(), /not verified/);
			const hooks = await page.locator('dl.facts').innerText();
			for (const path of ['/hooks/twilio/voice', '/hooks/twilio/status', '/hooks/twilio/sms'])
				assert.ok(hooks.includes(BASE + path), `the page shows ${BASE + path}`);
			await shot(page, 'onboarding-5-line-verified');

			// 5. A test call to that number, as Twilio posts it, signed with the platform's token.
			const call = {
				CallSid: `CA${randomBytes(16).toString('hex')}`, AccountSid: ACCOUNT,
				From: `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
				To: e164, CallStatus: 'ringing', ApiVersion: '2010-04-01',
				Direction: 'inbound',
			};
			const answer = await twilioPost('/hooks/twilio/voice', call);
			const twiml = await answer.text();
			assert.equal(answer.status, 200, twiml);
			assert.match(answer.headers.get('content-type'), /^text\/xml/);
			assert.match(twiml, /^<\?xml version="1.0" encoding="UTF-8"\?><Response>/);
			const said = twiml.match(/<Say[^>]*>([^<]*)<\/Say>/);
			assert.ok(said, `the answer says something: ${twiml}`);
			assert.ok(said[1].includes(`Thanks for calling ${business}`),
				`the greeting names the business: ${said[1]}`);
			const done = await twilioPost('/hooks/twilio/status', {
				...call, CallStatus: 'completed', CallDuration: '12', SequenceNumber: '2',
				CallbackSource: 'call-progress-events',
			});
			assert.equal(done.status, 204, await done.text());
			assert.equal(psql(`SELECT org_id || ' ' || status FROM calls
				WHERE provider_call_id = ${lit(call.CallSid)}`), `${orgId} completed`);

			// 6. The checklist has caught up, and the call is with the calls.
			await page.goto('/');
			await page.locator('#setup-checklist').waitFor();
			assert.equal(await item(page, 'A connected, verified phone line'), 'yes');
			assert.equal(await item(page, 'A real test call received'), 'yes');
			assert.equal(await item(page, 'A first practice run'), 'yes');
			await shot(page, 'onboarding-6-dashboard-set-up');
			await page.setViewportSize(PHONE);
			await shot(page, 'onboarding-7-dashboard-phone');
			await page.setViewportSize(DESKTOP);

			await page.goto('/calls');
			const listed = page.locator('table.data tbody tr', { hasText: call.From });
			await listed.waitFor();
			assert.match(await listed.innerText(), /Completed/i);
			await shot(page, 'onboarding-8-calls');
			seen.stop();
			assert.deepEqual(seen.problems(), []);
		} finally {
			await b.close();
		}
	});
