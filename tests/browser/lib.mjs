// lib.mjs: what every browser test shares: the Chromium launch, sign-up, screenshots, psql and
// the watch for console errors and failed requests.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const BASE = (process.env.SB_BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const OUTPUT = process.env.SB_OUTPUT || path.join(HERE, '..', 'output');
export const SHOTS = path.join(OUTPUT, 'screenshots');
export const PASSWORD = 'correct horse battery';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 740 };

const CHROMIUM = process.env.SB_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
	'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
];

fs.mkdirSync(SHOTS, { recursive: true });

/*
 * A fresh Chromium with a user-data directory of its own, removed again by close().
 * options go to the browser context (viewport, javaScriptEnabled, ...); extraArgs are more
 * Chromium switches (a fake microphone, say).
 */
export async function openBrowser(options = {}, extraArgs = []) {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: CHROMIUM_ARGS.concat(extraArgs),
		viewport: DESKTOP,
		acceptDownloads: true,
		baseURL: BASE,
		...options,
	});
	context.setDefaultTimeout(10000);
	context.setDefaultNavigationTimeout(15000);
	const page = context.pages()[0] || await context.newPage();
	return {
		context,
		page,
		async close() {
			await context.close();
			fs.rmSync(profile, { recursive: true, force: true });
		},
	};
}

/* A full-page screenshot named after what it shows, in $SB_OUTPUT/screenshots/. */
export async function shot(page, name) {
	const file = path.join(SHOTS, `${name.replace(/[^a-z0-9_.-]+/gi, '-')}.png`);
	await page.screenshot({ path: file, fullPage: true });
	return file;
}

/* A word no other test run uses, for unique names and emails. */
export function tag() {
	return randomBytes(5).toString('hex');
}

/* One SQL statement as the schema owner (sees every organization); returns its rows as text. */
export function psql(sql) {
	const dsn = process.env.SB_DSN_OWNER;
	if (!dsn)
		throw new Error('SB_DSN_OWNER is not set');
	return execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', dsn], {
		input: sql,
		encoding: 'utf8',
	}).trim();
}

/* A string as an SQL literal. */
export function lit(value) {
	return `'${String(value).replace(/'/g, "''")}'`;
}

/*
 * Sign up a new business through the page, then sign in as its owner (sign-up sends the browser
 * to the sign-in page: it never signs in by itself, so a taken email answers the same).
 * Returns what the tests need to know about it.
 */
export async function signup(page, label = 'Browser Test') {
	const t = tag();
	const account = {
		business: `${label} ${t}`,
		email: `owner-${t}@example.test`,
		password: PASSWORD,
	};
	await page.goto('/signup');
	await page.fill('#business', account.business);
	await page.fill('#email', account.email);
	await page.fill('#password', account.password);
	await page.fill('#timezone', 'America/New_York');
	await page.selectOption('#business_kind', 'other');
	await Promise.all([
		page.waitForURL((u) => u.pathname === '/login'),
		page.click('button[type=submit]'),
	]);
	// As if the emailed link had been opened: the business may connect a phone line.
	psql(`UPDATE users SET email_verified_at = now() WHERE lower(email) = lower(${lit(account.email)})`);
	await login(page, account.email, account.password);
	account.orgId = psql(`SELECT org_id FROM users WHERE lower(email) = lower(${lit(account.email)})`);
	if (!/^[0-9a-f-]{36}$/.test(account.orgId))
		throw new Error(`sign-up did not create ${account.email}`);
	return account;
}

/* The text of quoted-printable body (RFC 2045): soft line breaks joined, =XX decoded. */
function quotedPrintable(body) {
	const joined = body.replace(/=\r?\n/g, '');
	return Buffer.from(joined.replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(
		parseInt(hex, 16))), 'latin1').toString('utf8');
}

/*
 * The path of the newest link to pathPrefix ('/password/reset/', '/verify-email/') in the email
 * that reached address through the mail relay fake (SB_SMTP_FAKE_URL); waits up to 20 s for the
 * job runner to send it. Opening a link changes nothing by itself: a verification link's page
 * verifies when its button is pressed, a reset link's when the new password is saved.
 */
export async function mailLink(address, pathPrefix) {
	const fake = process.env.SB_SMTP_FAKE_URL;
	if (!fake)
		throw new Error('SB_SMTP_FAKE_URL is not set (scripts/test starts the mail relay fake)');
	const pattern = new RegExp(`${pathPrefix}[0-9a-f]{64}`, 'g');
	const deadline = Date.now() + 20000;
	for (;;) {
		const messages = await (await fetch(`${fake}/_fake/messages`)).json();
		const links = messages
			.filter((m) => m.rcpt_tos.some((r) => r.toLowerCase() === address.toLowerCase()))
			.flatMap((m) => quotedPrintable(m.data).match(pattern) || []);
		if (links.length)
			return links[links.length - 1];
		if (Date.now() > deadline)
			throw new Error(`no email with a ${pathPrefix} link reached ${address}`);
		await new Promise((done) => setTimeout(done, 200));
	}
}

/* Sign in through the login form. */
export async function login(page, email, password = PASSWORD) {
	await page.goto('/login');
	await page.fill('#email', email);
	await page.fill('#password', password);
	await Promise.all([
		page.waitForURL((u) => u.pathname !== '/login'),
		page.click('button[type=submit]'),
	]);
}

/*
 * Collect what would be a bug on a page: console errors, uncaught exceptions, requests that
 * failed or answered 4xx/5xx. problems() lists them; stop() ends the watch (call it before
 * leaving the page, so a poll cut short by the navigation is not counted).
 */
export function watch(page) {
	const seen = [];
	let on = true;
	const note = (what) => { if (on) seen.push(what); };
	const onConsole = (m) => {
		if (m.type() === 'error')
			note(`console error: ${m.text()} (${m.location().url || 'page'})`);
	};
	const onPageError = (e) => note(`uncaught exception: ${e.message}`);
	const onFailed = (req) => {
		const why = req.failure() ? req.failure().errorText : '';
		// Leaving a page ends what its scripts had in flight: the live-event stream, open for
		// the page's life, and a region's fetch after a change (static/live.js). A user who
		// moves on sees nothing of either.
		if (why === 'net::ERR_ABORTED' &&
		    (new URL(req.url()).pathname.startsWith('/live/') || req.resourceType() === 'fetch'))
			return;
		note(`request failed: ${req.method()} ${req.url()} ${why}`);
	};
	const onResponse = (res) => {
		if (res.status() >= 400)
			note(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
	};
	page.on('console', onConsole);
	page.on('pageerror', onPageError);
	page.on('requestfailed', onFailed);
	page.on('response', onResponse);
	return {
		problems: () => seen.slice(),
		stop() {
			on = false;
			page.off('console', onConsole);
			page.off('pageerror', onPageError);
			page.off('requestfailed', onFailed);
			page.off('response', onResponse);
		},
	};
}

/*
 * A finished inbound call of the organization with a turn-by-turn transcript and a lead;
 * returns { callId, leadId }.
 */
export function insertCall(orgId, { caller = 'Dana Whitfield', phone, turns, summary } = {}) {
	phone = phone || `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
	turns = turns || [
		['assistant', 'Thanks for calling. How can I help you today?'],
		['caller', 'My kitchen sink is leaking under the cabinet.'],
		['assistant', 'I can book a plumber for tomorrow at 10 am. Does that work?'],
		['caller', 'Yes, that works. Thank you!'],
	];
	summary = summary || 'Leaking kitchen sink; booked a visit for tomorrow morning.';
	const values = turns.map(([who, text], i) =>
		`(${lit(orgId)}, (SELECT id FROM c), ${i}, ${lit(who)}, ${lit(text)}, ` +
		`now() - interval '5 minutes' + ${i * 15} * interval '1 second')`).join(',\n');
	const out = psql(`
		WITH l AS (
			INSERT INTO leads (org_id, phone, name, status, temperature, score, value_cents, summary)
			VALUES (${lit(orgId)}, ${lit(phone)}, ${lit(caller)}, 'booked', 'hot', 88, 25000,
				${lit(summary)})
			RETURNING id
		), c AS (
			INSERT INTO calls (org_id, provider, provider_call_id, direction, from_number,
				to_number, status, started_at, answered_at, ended_at, duration_seconds,
				summary, sentiment_label, urgency, value_cents, booked, lead_id)
			VALUES (${lit(orgId)}, 'twilio', ${lit(`CA${tag()}${tag()}`)}, 'inbound', ${lit(phone)},
				'+15550000000', 'completed', now() - interval '5 minutes',
				now() - interval '5 minutes', now() - interval '3 minutes', 120,
				${lit(summary)}, 'positive', 'normal', 25000, true, (SELECT id FROM l))
			RETURNING id
		), t AS (
			INSERT INTO call_turns (org_id, call_id, seq, speaker, text, started_at)
			VALUES ${values}
		)
		SELECT (SELECT id FROM c) || ' ' || (SELECT id FROM l);`);
	const [callId, leadId] = out.split(' ');
	return { callId, leadId };
}
