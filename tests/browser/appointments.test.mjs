// appointments.test.mjs: the owner works the appointments page on a phone (375 px) without
// JavaScript: the week and day views, an appointment booked by hand, a collision answered with
// three free times and one picked, a move refused on a closed Saturday then made, a cancel, and
// a no-show that the lead and the dashboard count. Nothing may scroll sideways.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { lit, login, openBrowser, PHONE, psql, shot, signup, watch } from './lib.mjs';

let owner, b, page, account;

/* A date of the business (America/New_York) weeks ahead on an ISO weekday (1 = Monday). */
function dayAhead(isoWeekday, weeks = 2) {
	return psql(`SELECT to_char(d + ((${isoWeekday} - extract(isodow FROM d)::int + 7) % 7),
		'YYYY-MM-DD') FROM (SELECT (now() AT TIME ZONE 'America/New_York')::date
		+ ${weeks * 7} AS d) x`);
}

/* The page never scrolls sideways. */
async function fits(name) {
	const { scroll, client } = await page.evaluate(() => ({
		scroll: document.documentElement.scrollWidth,
		client: document.documentElement.clientWidth,
	}));
	await shot(page, `appointments-${name}`);
	assert.ok(scroll <= client, `${name} scrolls sideways at 375 px: ${scroll} > ${client}`);
}

/* The calendar card of the appointment of customer. */
function cardOf(customer) {
	return page.locator('li.appt', { hasText: customer });
}

before(async () => {
	// Sign up with JavaScript on (as people do), then work the page with it off.
	owner = await openBrowser();
	account = await signup(owner.page, 'Phone Salon');
	await owner.close();
	b = await openBrowser({ viewport: PHONE, javaScriptEnabled: false });
	page = b.page;
	await login(page, account.email);
});

after(async () => {
	await b?.close();
});

test('the week and day views fit a phone and step from week to week', async () => {
	const w = watch(page);
	try {
		const res = await page.goto('/appointments');
		assert.equal(res.status(), 200);
		assert.equal(await page.locator('section.cal-col').count(), 7);
		await fits('week-empty');
		await page.click('a[rel=next]');
		assert.match(page.url(), /view=week&date=\d{4}-\d{2}-\d{2}/);
		await page.click('.cal-views a:has-text("Day")');
		assert.match(page.url(), /view=day/);
		await fits('day-empty');
		await page.click('.cal-views a:has-text("List")');
		await fits('list-empty');
		assert.deepEqual(w.problems(), []);
	} finally {
		w.stop();
	}
});

test('book by hand, meet a collision, pick one of three free times', async () => {
	const tuesday = dayAhead(2);
	await page.goto('/appointments/new');
	await fits('new-form');
	await page.fill('#name', 'Hana Hand');
	await page.fill('#phone', '+1 555 010 3344');
	await page.fill('#date', tuesday);
	await page.fill('#time', '10:00');
	await page.click('button.btn-primary:has-text("Book")');
	assert.match(page.url(), new RegExp(`/appointments\\?view=day&date=${tuesday}`));
	assert.match(await page.locator('.flash').innerText(), /Booked Hana Hand for/);
	assert.match(await cardOf('Hana Hand').innerText(), /10:00 AM – 11:00 AM/);
	await fits('day-booked');

	// The same time again: the reason, and three nearest free times as buttons.
	await page.goto('/appointments/new');
	await page.fill('#name', 'Ivo Again');
	await page.fill('#phone', '+1 555 010 5566');
	await page.fill('#date', tuesday);
	await page.fill('#time', '10:00');
	await page.click('button.btn-primary:has-text("Book")');
	assert.match(await page.locator('.field-error[role=alert]').innerText(),
		/overlaps another appointment/);
	const offered = page.locator('.free-starts button[name=slot]');
	assert.equal(await offered.count(), 3);
	assert.match(await offered.first().innerText(), /9:00 AM/);
	await fits('new-collision');
	await offered.first().click();
	assert.match(page.url(), /view=day/);
	assert.match(await cardOf('Ivo Again').innerText(), /9:00 AM – 10:00 AM/);
	const rows = psql(`SELECT count(*) FROM appointments WHERE org_id = ${lit(account.orgId)}
		AND status = 'scheduled'`);
	assert.equal(rows, '2');
});

test('a move to a closed Saturday is refused with the reason, then made; a cancel', async () => {
	const saturday = dayAhead(6);
	await page.goto(`/appointments?view=day&date=${dayAhead(2)}`);
	await cardOf('Hana Hand').locator('a:has-text("Move")').click();
	await fits('move-form');
	await page.fill('#date', saturday);
	await page.fill('#time', '10:00');
	await page.click('button.btn-primary:has-text("Move")');
	assert.match(await page.locator('.field-error[role=alert]').innerText(), /Saturday/);
	assert.equal(await page.locator('.free-starts button[name=slot]').count(), 3);
	await fits('move-refused');
	const thursday = dayAhead(4);
	await page.fill('#date', thursday);
	await page.fill('#time', '14:30');
	await page.click('button.btn-primary:has-text("Move")');
	assert.match(page.url(), new RegExp(`date=${thursday}`));
	assert.match(await cardOf('Hana Hand').innerText(), /2:30 PM – 3:30 PM/);

	await cardOf('Hana Hand').locator('button:has-text("Cancel")').click();
	assert.match(await page.locator('.flash').innerText(), /Cancelled the appointment of Hana Hand/);
	assert.match(await cardOf('Hana Hand').innerText(), /Cancelled/);
	assert.equal(await cardOf('Hana Hand').locator('button').count(), 0);
	await fits('cancelled');
});

test('a no-show is marked and counted on the lead and the dashboard', async () => {
	const org = lit(account.orgId);
	const ids = psql(`
		WITH l AS (INSERT INTO leads (org_id, phone, name) VALUES (${org}, '+15550107788',
			'Noel Noshow-With-A-Rather-Long-Double-Barrelled-Name') RETURNING id),
		a AS (INSERT INTO appointments (org_id, lead_id, customer_name, customer_phone,
			starts_at, ends_at)
			SELECT ${org}, id, 'Noel Noshow-With-A-Rather-Long-Double-Barrelled-Name',
				'+15550107788', now() - interval '1 hour', now() - interval '30 minutes'
			FROM l RETURNING id, lead_id,
			to_char(starts_at AT TIME ZONE 'America/New_York', 'YYYY-MM-DD') AS day)
		SELECT id || ' ' || lead_id || ' ' || day FROM a`);
	const [appointmentId, leadId, day] = ids.split(' ');
	await page.goto(`/appointments?view=week&date=${day}`);
	await fits('week-no-show');
	await page.locator(`#appt-${appointmentId} button:has-text("No-show")`).click();
	assert.match(await page.locator(`#appt-${appointmentId}`).innerText(), /No-show/);
	await page.goto(`/leads/${leadId}`);
	assert.equal(await page.locator('#lead-no-shows').innerText(), '1 no-show');
	await fits('lead-no-show');
	await page.goto('/');
	assert.equal(await page.locator('[data-stat="no_shows_week"]').innerText(), '1');
	await fits('dashboard-no-show');
});

test('the scheduling settings fit a phone', async () => {
	for (const path of ['/settings/resources', '/settings/closures', '/settings/hours',
		'/services/new']) {
		const res = await page.goto(path);
		assert.equal(res.status(), 200, path);
		await fits(path.replace(/\//g, '-'));
	}
	const id = psql(`SELECT id FROM resources WHERE org_id = ${lit(account.orgId)} LIMIT 1`);
	await page.goto(`/settings/resources/${id}`);
	await fits('resource');
});
