/* live.js: keeps a signed-in page current from its business's live events (server-sent events
 * from switchboard-live), toasts a new call or booking and counts the unseen ones in the title. */
(function () {
	'use strict';

	/*
	 * An event names what changed and nothing else: {"kind":"call"|"turn"|"booking"|"lead",
	 * "id", "call", "lead", "new"}. A part of the page that shows such a thing says so:
	 *   data-live-region="name"   the part, found by this name in a fresh copy of the page
	 *   data-live-on="call turn"  the kinds of change it shows
	 *   data-live-id="<uuid>"     only changes of this call or lead (the event's id, call or lead)
	 * and is replaced by the same part of the page fetched again: the server renders and
	 * escapes it exactly as on a reload, and checks the session as for any page. Without
	 * JavaScript, or without this script, each page is whole as served.
	 */
	var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
	var TOAST_MS = 6000;
	var RETRY_MAX_MS = 60000;
	var channel = document.body && document.body.getAttribute('data-live-channel');

	if (!channel || !UUID.test(channel) || !window.EventSource || !window.fetch ||
	    !window.DOMParser)
		return;

	var baseTitle = document.title;
	var madeAt = Number(document.body.getAttribute('data-live-made')) || 0;
	var unseen = 0;
	var dirty = {};
	var fetching = false;
	var source = null;
	var connectedBefore = false;
	var lastId = '';
	var retryMs = 2000;
	var toasts = null;

	function regionSelector(name) {
		return '[data-live-region="' + (window.CSS && CSS.escape ? CSS.escape(name) : name) + '"]';
	}

	function shows(region, event) {
		var kinds = (region.getAttribute('data-live-on') || '').split(/\s+/);
		var id = region.getAttribute('data-live-id');
		if (kinds.indexOf(event.kind) < 0)
			return false;
		return !id || event.id === id || event.call === id || event.lead === id;
	}

	function markDirty(event) {
		var regions = document.querySelectorAll('[data-live-region]');
		for (var i = 0; i < regions.length; i++)
			if (!event || shows(regions[i], event))
				dirty[regions[i].getAttribute('data-live-region')] = true;
	}

	/* One fetch at a time; changes that come in meanwhile are fetched right after it. */
	function refresh() {
		var names = Object.keys(dirty);
		if (fetching || !names.length)
			return;
		dirty = {};
		fetching = true;
		fetch(location.href, {
			credentials: 'same-origin',
			headers: { 'Accept': 'text/html' },
			cache: 'no-store'
		}).then(function (response) {
			/* Signed out elsewhere: the page stays as it is; a reload signs in again. */
			if (!response.ok || response.redirected) {
				stop();
				return null;
			}
			return response.text();
		}).then(function (html) {
			if (!html)
				return;
			var fresh = new DOMParser().parseFromString(html, 'text/html');
			names.forEach(function (name) {
				var old = document.querySelector(regionSelector(name));
				var now = fresh.querySelector(regionSelector(name));
				if (old && now)
					old.replaceWith(document.importNode(now, true));
			});
		}).catch(function () {
			/* The network failed: the next change, or the reconnect, fetches again. */
		}).then(function () {
			fetching = false;
			refresh();
		});
	}

	function setTitle() {
		document.title = unseen ? '(' + unseen + ') ' + baseTitle : baseTitle;
	}

	function seen() {
		if (!document.hidden && unseen) {
			unseen = 0;
			setTitle();
		}
	}

	function dismiss(toast) {
		if (toast.parentNode)
			toast.parentNode.removeChild(toast);
	}

	/* A toast says only what the event says, and links where the details are. */
	function toast(event) {
		var link = document.createElement('a');
		var call = event.kind === 'call';
		if (!toasts) {
			toasts = document.createElement('div');
			toasts.className = 'toasts';
			toasts.setAttribute('role', 'status');
			toasts.setAttribute('aria-live', 'polite');
			document.body.appendChild(toasts);
		}
		link.className = 'toast toast-' + event.kind;
		link.href = call ? '/calls/' + event.id : '/appointments';
		link.textContent = call ? 'New call' : 'New booking';
		link.addEventListener('click', function () { dismiss(link); });
		toasts.appendChild(link);
		setTimeout(function () { dismiss(link); }, TOAST_MS);
		if (document.hidden || !document.hasFocus()) {
			unseen++;
			setTitle();
		}
	}

	function onMessage(message) {
		var event;
		if (message.lastEventId)
			lastId = message.lastEventId;
		try {
			event = JSON.parse(message.data);
		} catch (e) {
			return;
		}
		if (!event || typeof event.kind !== 'string')
			return;
		markDirty(event);
		refresh();
		/* A change older than the page (replayed to its first subscription) is on the page. */
		if (typeof event.at === 'number' && event.at < madeAt)
			return;
		if (event.new === true && (event.kind === 'call' || event.kind === 'booking') &&
		    (event.kind !== 'call' || UUID.test(event.id)))
			toast(event);
	}

	function stop() {
		if (source)
			source.close();
		source = null;
	}

	/*
	 * The server names each event, and where a new stream starts, with an id. The browser
	 * reconnects by itself after a network failure, sending the last id it read, and the
	 * server replays what the page missed; when it can no longer (it restarted, or the page
	 * was away too long) it sends "resync", and the page fetches every live part again. A
	 * refused stream (signed out, server trouble) closes for good: try again later, from the
	 * last event this page read, or, knowing none, fetch every live part once connected.
	 * The first stream says when the page was made, and the server replays the changes
	 * committed since, which the page may not show.
	 */
	function connect() {
		var query = '';
		if (lastId)
			query = '?last_event_id=' + encodeURIComponent(lastId);
		else if (!connectedBefore && madeAt)
			query = '?since=' + madeAt;
		source = new EventSource('/live/' + channel + query);
		source.onmessage = onMessage;
		source.addEventListener('resync', function (message) {
			if (message.lastEventId)
				lastId = message.lastEventId;
			markDirty(null);
			refresh();
		});
		source.onopen = function () {
			/* Says the page is listening (the browser tests wait for it). */
			document.body.setAttribute('data-live-state', 'open');
			retryMs = 2000;
			if (connectedBefore && !lastId) {
				markDirty(null);
				refresh();
			}
			connectedBefore = true;
		};
		source.onerror = function () {
			document.body.setAttribute('data-live-state', 'lost');
			if (!source || source.readyState !== EventSource.CLOSED)
				return;
			stop();
			setTimeout(connect, retryMs);
			retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
		};
	}

	document.addEventListener('visibilitychange', seen);
	window.addEventListener('focus', seen);
	window.addEventListener('pagehide', stop);
	/* A page shown again from the browser's history cache listens again and catches up. */
	window.addEventListener('pageshow', function (e) {
		if (e.persisted && !source) {
			connectedBefore = true;
			connect();
		}
	});
	connect();
})();
