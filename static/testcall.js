/* testcall.js: the test call: microphone to the voice worker as 16 kHz PCM, its replies played. */
(function () {
	'use strict';

	var RATE = 16000;
	var FRAME_SAMPLES = 320;            /* 20 ms at 16 kHz: 640 bytes a message */
	var root = document.getElementById('testcall');

	if (!root)
		return;

	var startButton = document.getElementById('testcall-start');
	var hangupButton = document.getElementById('testcall-hangup');
	var statusBadge = document.getElementById('testcall-status');
	var errorLine = document.getElementById('testcall-error');
	var transcript = document.getElementById('testcall-transcript');
	var afterNote = document.getElementById('testcall-after');

	var call = null;

	function setStatus(text, kind) {
		statusBadge.textContent = text;
		statusBadge.className = 'badge' + (kind ? ' badge-' + kind : '');
	}

	function showError(text) {
		errorLine.textContent = text;
		errorLine.hidden = !text;
	}

	/* Each line is built with textContent: what anyone said stays text. Clauses of one reply
	 * arrive one by one and join the same line. */
	function addTranscript(speaker, text) {
		var last = transcript.lastElementChild;
		if (speaker === 'assistant' && last && last.getAttribute('data-speaker') === 'assistant' &&
		    call && !call.callerSpokeSince) {
			var span = last.querySelector('.turn-text');
			span.textContent += ' ' + text;
			return;
		}
		var line = document.createElement('div');
		line.className = 'turn turn-' + speaker;
		line.setAttribute('data-speaker', speaker);
		var who = document.createElement('span');
		who.className = 'turn-who';
		who.textContent = speaker === 'caller' ? 'You' : 'Receptionist';
		var said = document.createElement('span');
		said.className = 'turn-text';
		said.textContent = text;
		line.appendChild(who);
		line.appendChild(said);
		transcript.appendChild(line);
		if (call)
			call.callerSpokeSince = speaker === 'caller';
	}

	/* Linear interpolation from the audio context's rate down (or up) to 16 kHz, carried
	 * across chunks so the stream has no seams. */
	function Resampler(fromRate) {
		this.step = fromRate / RATE;
		this.pos = 0;
		this.last = 0;
	}
	Resampler.prototype.push = function (input, out) {
		/* pos counts input samples from this chunk's first; -1 is the last of the one before. */
		var pos = this.pos;
		while (pos <= input.length - 1) {
			var i = Math.floor(pos);
			var frac = pos - i;
			var a = i < 0 ? this.last : input[i];
			var b = frac ? input[i + 1] : a;
			out.push(a + (b - a) * frac);
			pos += this.step;
		}
		this.pos = pos - input.length;
		this.last = input[input.length - 1];
	};

	function sendFrames(c) {
		while (c.pending.length >= FRAME_SAMPLES) {
			var frame = new DataView(new ArrayBuffer(FRAME_SAMPLES * 2));
			for (var i = 0; i < FRAME_SAMPLES; i++) {
				var s = Math.max(-1, Math.min(1, c.pending[i]));
				frame.setInt16(i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
			}
			c.pending.splice(0, FRAME_SAMPLES);
			/* Until the stream is open, what the microphone hears goes nowhere. */
			if (c.ws && c.ws.readyState === WebSocket.OPEN)
				c.ws.send(frame.buffer);
		}
	}

	/* Replies come as 16 kHz PCM chunks, played back to back. */
	function play(c, data) {
		var view = new DataView(data);
		var n = data.byteLength >> 1;
		if (!n)
			return;
		var buffer = c.audio.createBuffer(1, n, RATE);
		var samples = buffer.getChannelData(0);
		for (var i = 0; i < n; i++)
			samples[i] = view.getInt16(i * 2, true) / 32768;
		var source = c.audio.createBufferSource();
		source.buffer = buffer;
		source.connect(c.audio.destination);
		var at = Math.max(c.audio.currentTime, c.playhead);
		source.start(at);
		c.playhead = at + buffer.duration;
	}

	function finish(c, note) {
		if (call !== c)
			return;
		call = null;
		if (c.ws && (c.ws.readyState === WebSocket.OPEN ||
			     c.ws.readyState === WebSocket.CONNECTING))
			c.ws.close(1000, 'hung up');
		if (c.stream)
			c.stream.getTracks().forEach(function (t) { t.stop(); });
		if (c.audio)
			c.audio.close();
		setStatus(note || 'Call ended');
		hangupButton.hidden = true;
		startButton.hidden = false;
		startButton.disabled = false;
		afterNote.hidden = false;
	}

	function onMessage(c, event) {
		if (typeof event.data !== 'string') {
			play(c, event.data);
			return;
		}
		var msg;
		try {
			msg = JSON.parse(event.data);
		} catch (e) {
			return;
		}
		if (msg.event === 'transcript')
			addTranscript(msg.speaker, msg.text);
		else if (msg.event === 'hangup') {
			/* Let the goodbye play out before the line goes quiet. */
			var left = Math.max(0, c.playhead - c.audio.currentTime);
			setTimeout(function () { finish(c, 'The receptionist ended the call'); },
				   left * 1000 + 300);
		}
	}

	function connect(c, start) {
		c.ws = new WebSocket(start.ws_url, 'switchboard-browser');
		c.ws.binaryType = 'arraybuffer';
		c.ws.onopen = function () {
			c.ws.send(JSON.stringify({ event: 'start', token: start.token }));
			setStatus('Connected', 'ok');
		};
		c.ws.onmessage = function (event) { onMessage(c, event); };
		c.ws.onclose = function (event) {
			if (call !== c)
				return;
			if (event.code !== 1000 && event.code !== 1005)
				showError('The call was disconnected' + (event.reason ? ': ' + event.reason : '.'));
			finish(c);
		};
	}

	function startMicrophone(c) {
		return navigator.mediaDevices.getUserMedia({
			audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true }
		}).then(function (stream) {
			c.stream = stream;
			return c.audio.audioWorklet.addModule('/static/testcall-capture.js');
		}).then(function () {
			var source = c.audio.createMediaStreamSource(c.stream);
			var capture = new AudioWorkletNode(c.audio, 'testcall-capture');
			var resampler = new Resampler(c.audio.sampleRate);
			capture.port.onmessage = function (event) {
				resampler.push(event.data, c.pending);
				sendFrames(c);
			};
			source.connect(capture);
			/* The worklet runs only when its output leads somewhere; it outputs silence. */
			capture.connect(c.audio.destination);
		});
	}

	function begin() {
		if (call)
			return;
		showError('');
		if (!navigator.mediaDevices || !window.AudioWorkletNode || !window.WebSocket) {
			showError('This browser cannot make a test call: it needs microphone access, ' +
				  'AudioWorklet and WebSocket.');
			return;
		}
		var c = { ws: null, stream: null, audio: new AudioContext(), playhead: 0, pending: [],
			  callerSpokeSince: false };
		call = c;
		transcript.textContent = '';
		afterNote.hidden = true;
		startButton.disabled = true;
		setStatus('Connecting…');
		var body = new URLSearchParams();
		body.set('csrf', root.getAttribute('data-csrf'));
		startMicrophone(c).then(function () {
			return fetch(root.getAttribute('data-start'), {
				method: 'POST', body: body, credentials: 'same-origin',
				headers: { Accept: 'application/json' }
			});
		}).then(function (response) {
			if (!response.ok)
				throw new Error('The test call could not be started (' + response.status + ').');
			return response.json();
		}).then(function (start) {
			if (call !== c)
				return;
			startButton.hidden = true;
			hangupButton.hidden = false;
			connect(c, start);
		}).catch(function (err) {
			showError(err && err.name === 'NotAllowedError' ?
				  'The browser did not allow the microphone.' :
				  (err && err.message) || 'The test call could not be started.');
			finish(c, 'Not connected');
			afterNote.hidden = true;
		});
	}

	startButton.addEventListener('click', begin);
	hangupButton.addEventListener('click', function () {
		if (call && call.ws && call.ws.readyState === WebSocket.OPEN)
			call.ws.send(JSON.stringify({ event: 'stop' }));
		if (call)
			finish(call);
	});
})();
