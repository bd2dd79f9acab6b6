// pages.test.mjs: every page at desktop and phone width: it loads, logs no console error, every
// request it makes succeeds, and it never scrolls sideways.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DESKTOP, insertCall, lit, openBrowser, PHONE, psql, shot, signup, watch } from './lib.mjs';

let b, page, ids;

before(async () => {
	b = await openBrowser();
	page = b.page;
	const account = await signup(page, 'Every Page Plumbing');
	const org = lit(account.orgId);
	ids = insertCall(account.orgId, { caller: 'Rosalind Featherstonehaugh-Montgomery' });
	psql(`
		INSERT INTO services (org_id, name, price_cents, duration_minutes, keywords)
		VALUES (${org}, 'Water heater installation and replacement', 129900, 180,
			'{water heater,boiler,hot water,tankless}');
		INSERT INTO appointments (org_id, lead_id, call_id, service_id, customer_name,
			customer_phone, address, starts_at, ends_at)
		SELECT ${org}, ${lit(ids.leadId)}, ${lit(ids.callId)}, s.id,
			'Rosalind Featherstonehaugh-Montgomery', '+15550123456',
			'1234 Extraordinarily Long Street Name Boulevard, Springfield',
			date_trunc('hour', now()) + interval '1 day',
			date_trunc('hour', now()) + interval '1 day 3 hours'
		FROM services s WHERE s.org_id = ${org};
		INSERT INTO knowledge_entries (org_id, question, answer)
		VALUES (${org}, 'Do you serve the whole county?', 'Yes, every town within 30 miles.');
		INSERT INTO inbound_messages (org_id, provider_message_id, from_number, to_number, body)
		VALUES (${org}, 'SM' || md5(random()::text), '+15550123456', '+15550009999',
			'Hi, could the technician come after 4pm on Thursday instead? The side gate code '
			|| 'is 4411 and the dog is friendly. Thanks, Rosalind');`);
});

after(async () => {
	await b?.close();
});

const PAGES = [
	['dashboard', () => '/'],
	['calls', () => '/calls'],
	['call', () => `/calls/${ids.callId}`],
	['leads', () => '/leads'],
	['lead', () => `/leads/${ids.leadId}`],
	['messages', () => '/messages'],
	['appointments', () => '/appointments'],
	['appointments-day', () => '/appointments?view=day'],
	['appointments-list', () => '/appointments?view=list'],
	['appointment-new', () => '/appointments/new'],
	['settings-resources', () => '/settings/resources'],
	['settings-closures', () => '/settings/closures'],
	['settings-hours', () => '/settings/hours'],
	['services', () => '/services'],
	['settings', () => '/settings'],
	['team', () => '/team'],
	['account', () => '/account'],
];

for (const [width, viewport] of [['1280', DESKTOP], ['375', PHONE]]) {
	describe(`at ${width} px`, () => {
		before(async () => {
			await page.setViewportSize(viewport);
		});
		for (const [name, path] of PAGES) {
			test(`${name} page`, async () => {
				const w = watch(page);
				try {
					const res = await page.goto(path());
					assert.equal(res.status(), 200, `${path()} answers 200`);
					await page.waitForLoadState('networkidle');
					const { scroll, client } = await page.evaluate(() => ({
						scroll: document.documentElement.scrollWidth,
						client: document.documentElement.clientWidth,
					}));
					await shot(page, `page-${name}-${width}`);
					assert.ok(scroll <= client,
						`${path()} scrolls sideways at ${width} px: ${scroll} > ${client}`);
					assert.deepEqual(w.problems(), [], `${path()} at ${width} px`);
				} finally {
					w.stop();
				}
			});
		}
	});
}
