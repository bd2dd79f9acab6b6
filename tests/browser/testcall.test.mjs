// testcall.test.mjs: the owner talks to the receptionist from the browser with a fake microphone
// that says "I need a plumber", hears the greeting, sees the transcript and hangs up.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openBrowser, psql, lit, shot, signup, watch } from './lib.mjs';

/* flite speaks 8 kHz; the test call's microphone file is 16 kHz, each sample between two
 * interpolated with a windowed sinc. */
function microphoneWav(dir, text) {
	const spoken = path.join(dir, 'spoken.wav');
	execFileSync('flite', ['-t', text, '-o', spoken]);
	const wav = fs.readFileSync(spoken);
	const rate = wav.readUInt32LE(24);
	const dataAt = wav.indexOf('data') + 8;
	const x = new Int16Array(wav.buffer.slice(wav.byteOffset + dataAt,
						  wav.byteOffset + dataAt + wav.readUInt32LE(dataAt - 4)));
	let y = x;
	if (rate === 8000) {
		const taps = 16, w = [];
		for (let k = -taps; k < taps; k++)
			w.push(Math.sin(Math.PI * (k + 0.5)) / (Math.PI * (k + 0.5)) *
			       (0.5 + 0.5 * Math.cos(Math.PI * (k + 0.5) / taps)));
		y = new Int16Array(x.length * 2);
		for (let i = 0; i < x.length; i++) {
			let v = 0;
			for (let j = 0; j < w.length; j++) {
				const n = i - (j - taps);
				if (n >= 0 && n < x.length)
					v += w[j] * x[n];
			}
			y[2 * i] = x[i];
			y[2 * i + 1] = Math.max(-32768, Math.min(32767, Math.round(v)));
		}
	} else {
		assert.equal(rate, 16000);
	}
	/* A second of quiet after the words, so the receptionist hears the turn end. */
	const pcm = Buffer.concat([Buffer.from(y.buffer), Buffer.alloc(32000)]);
	const head = Buffer.alloc(44);
	head.write('RIFF', 0); head.writeUInt32LE(36 + pcm.length, 4); head.write('WAVE', 8);
	head.write('fmt ', 12); head.writeUInt32LE(16, 16); head.writeUInt16LE(1, 20);
	head.writeUInt16LE(1, 22); head.writeUInt32LE(16000, 24); head.writeUInt32LE(32000, 28);
	head.writeUInt16LE(2, 32); head.writeUInt16LE(16, 34);
	head.write('data', 36); head.writeUInt32LE(pcm.length, 40);
	const file = path.join(dir, 'microphone.wav');
	fs.writeFileSync(file, Buffer.concat([head, pcm]));
	return file;
}

test('a test call from the browser hears the greeting and is kept with the calls', async () => {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-testcall-'));
	const b = await openBrowser({ permissions: ['microphone'] }, [
		'--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
		'--autoplay-policy=no-user-gesture-required',
		`--use-file-for-fake-audio-capture=${microphoneWav(dir, 'I need a plumber')}`,
	]);
	try {
		const { page } = b;
		const account = await signup(page, 'Testcall Plumbing');
		await page.goto('/');
		await page.locator('.page-header a[href="/test-call"]').click();
		await page.waitForURL('**/test-call');
		assert.match(await page.locator('.nav-link.active').innerText(), /Test call/);
		const problems = watch(page);

		await page.getByRole('button', { name: 'Start test call' }).click();
		const greeting = page.locator('#testcall-transcript .turn-assistant .turn-text').first();
		await greeting.waitFor({ timeout: 30000 });
		assert.ok((await greeting.textContent()).length > 0, 'the greeting is shown');
		/* The microphone's words are recognized and answered. */
		const heard = page.locator('#testcall-transcript .turn-caller .turn-text').first();
		await heard.waitFor({ timeout: 60000 });
		assert.match(await heard.textContent(), /need|plumber/);
		await shot(page, 'testcall-1-talking');

		await page.getByRole('button', { name: 'Hang up' }).click();
		await page.locator('#testcall-after').waitFor();
		assert.match(await page.locator('#testcall-status').innerText(), /ended/i);
		problems.stop();
		assert.deepEqual(problems.problems(), []);

		const callId = psql(`SELECT id FROM calls WHERE org_id = ${lit(account.orgId)} ` +
				    `AND provider = 'browser'`);
		assert.match(callId, /^[0-9a-f-]{36}$/, 'the test call is stored');
		await page.goto('/calls');
		assert.equal(await page.locator(`a[href="/calls/${callId}"]`).count(), 1, 'it is listed');
		await page.goto(`/calls/${callId}`);
		assert.ok(await page.locator('.transcript .turn-assistant').count() >= 1);
		await shot(page, 'testcall-2-call');
	} finally {
		await b.close();
		fs.rmSync(dir, { recursive: true, force: true });
	}
});
