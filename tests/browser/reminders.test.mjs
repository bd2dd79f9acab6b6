// reminders.test.mjs: on a phone, the owner sets the reminder times, turns the second off, and
// makes the calendar feed's address, which a calendar app can then read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PHONE, lit, openBrowser, psql, shot, signup } from './lib.mjs';

test('set reminders and make the calendar feed on a phone', async () => {
	const b = await openBrowser({ viewport: PHONE });
	try {
		const { page } = b;
		const account = await signup(page, 'Reminder Salon');
		await page.goto('/settings/reminders');
		assert.equal(await page.isChecked('#reminders_enabled'), true);
		assert.equal(await page.inputValue('#first_minutes'), '1440');
		assert.equal(await page.inputValue('#second_minutes'), '60');
		await page.selectOption('#first_minutes', '2880');
		await page.selectOption('#second_minutes', 'off');
		await Promise.all([
			page.waitForURL('**/settings/reminders'),
			page.click('form[action="/settings/reminders"] button.btn-primary'),
		]);
		assert.match(await page.locator('.flash').first().innerText(), /Reminder settings saved/);
		assert.equal(await page.inputValue('#first_minutes'), '2880');
		assert.equal(await page.inputValue('#second_minutes'), 'off');
		assert.equal(psql(`SELECT reminder_first_minutes || '/' || coalesce(reminder_second_minutes::text, 'off')
			FROM organizations WHERE id = ${lit(account.orgId)}`), '2880/off');
		// Nothing on the page is wider than the phone.
		const wide = await page.evaluate(() => document.documentElement.scrollWidth);
		assert.ok(wide <= 375 + 1, `the page is ${wide} px wide`);
		await shot(page, 'reminders-1-saved');

		await Promise.all([
			page.waitForLoadState('load'),
			page.locator('#feed button', { hasText: 'Make address' }).first().click(),
		]);
		const address = await page.locator('#feed input[readonly]').inputValue();
		assert.match(address, /\/calendar\/[0-9a-f]{64}$/);
		await shot(page, 'reminders-2-feed');
		const feed = await page.request.get(address);
		assert.equal(feed.status(), 200);
		assert.match(await feed.text(), /^BEGIN:VCALENDAR\r\n/);
	} finally {
		await b.close();
	}
});
