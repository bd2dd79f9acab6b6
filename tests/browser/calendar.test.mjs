// calendar.test.mjs: an owner connects Google Calendar from Settings → Calendar (Google's
// consent made by the fake), sees a busy time added in Google counted on the page, sees a
// booking reach Google, and disconnects; a refused consent leaves the business unconnected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lit, openBrowser, psql, shot, signup, watch } from './lib.mjs';

const GOOGLE = process.env.SB_GOOGLE_FAKE_URL || '';

async function fake(path, body) {
	const r = await fetch(GOOGLE + path, body === undefined ? {} : {
		method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
	});
	assert.ok(r.ok, `the Google fake answered ${path} with ${r.status}`);
	return r.json();
}

/* Reload page until what selector shows matches re, for up to ms. */
async function reloadUntil(page, selector, re, ms = 20000) {
	const end = Date.now() + ms;
	for (;;) {
		const text = await page.locator(selector).innerText();
		if (re.test(text))
			return text;
		if (Date.now() > end)
			assert.fail(`${selector} never matched ${re}: ${text}`);
		await page.waitForTimeout(500);
		await page.reload();
	}
}

test('an owner connects Google Calendar, sees its busy times and bookings cross, and disconnects',
	async () => {
		assert.ok(GOOGLE, 'scripts/test exports SB_GOOGLE_FAKE_URL');
		const b = await openBrowser();
		try {
			const { page } = b;
			const account = await signup(page, 'Calendar Dental');
			const google = `owner-${account.orgId}@example.test`;
			const seen = watch(page);

			// A consent refused: nothing connected, and the page says why.
			await fake('/_fake/consent', { answer: 'deny', account: google });
			await page.goto('/settings/calendar');
			await Promise.all([
				page.waitForURL((u) => u.pathname === '/settings/calendar'),
				page.click('a[href="/settings/calendar/connect"]'),
			]);
			assert.match(await page.locator('.flash').first().innerText(),
				/not connected: access was not allowed/);
			assert.match(await page.locator('#main').innerText(), /Not connected/);

			// Consent given: connected, every resource on the account's main calendar.
			await fake('/_fake/consent', { answer: 'approve', account: google });
			await Promise.all([
				page.waitForURL((u) => u.pathname === '/settings/calendar'),
				page.click('a[href="/settings/calendar/connect"]'),
			]);
			assert.match(await page.locator('.flash').first().innerText(),
				/Google Calendar connected/);
			assert.match(await page.locator('#main').innerText(), /Connected since/);
			const row = page.locator('table tbody tr').first();
			assert.equal(await row.locator('input[name=calendar_id]').inputValue(), 'primary');
			await reloadUntil(page, 'table tbody tr', /Synced/);
			await shot(page, 'calendar-1-connected');

			// The owner adds a meeting in Google: it becomes a busy time on the page.
			const start = new Date(Date.now() + 2 * 86400e3);
			start.setUTCHours(15, 0, 0, 0);
			await fake('/_fake/events', {
				account: google, calendar: 'primary', event: {
					summary: 'Dentist conference',
					start: { dateTime: start.toISOString() },
					end: { dateTime: new Date(start.getTime() + 3600e3).toISOString() },
				},
			});
			await reloadUntil(page, '#main', /1 upcoming busy times read from Google/);

			// A booking made in Switchboard appears in Google.
			psql(`INSERT INTO appointments (org_id, customer_name, starts_at, ends_at)
				VALUES (${lit(account.orgId)}, 'Ola Booker', now() + interval '3 days',
					now() + interval '3 days 1 hour')`);
			const end = Date.now() + 20000;
			let events = [];
			while (Date.now() < end) {
				events = await fake(`/_fake/events?calendar=primary&account=${encodeURIComponent(google)}`);
				if (JSON.stringify(events).includes('Ola Booker'))
					break;
				await page.waitForTimeout(500);
			}
			assert.ok(JSON.stringify(events).includes('Ola Booker'),
				`the booking reached Google: ${JSON.stringify(events).slice(0, 400)}`);

			// Disconnected: the page offers to connect again.
			await Promise.all([
				page.waitForURL((u) => u.pathname === '/settings/calendar'),
				page.click('form[action="/settings/calendar/disconnect"] button[type=submit]'),
			]);
			assert.match(await page.locator('.flash').first().innerText(),
				/Google Calendar disconnected/);
			assert.match(await page.locator('#main').innerText(), /Not connected/);
			await shot(page, 'calendar-2-disconnected');
			seen.stop();
			assert.deepEqual(seen.problems(), []);
		} finally {
			await b.close();
		}
	});
