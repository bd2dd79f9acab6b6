/* dashboard.js: keeps the open dashboard current by polling /dashboard/live every second. */
(function () {
	'use strict';

	var INTERVAL_MS = 1000;
	var root = document.getElementById('dashboard');

	if (!root || !window.fetch || !window.JSON)
		return;

	var version = root.getAttribute('data-version') || '';
	var endpoint = root.getAttribute('data-live');
	var timer = null;
	var stopped = false;

	function setText(selector, text) {
		var el = root.querySelector(selector);
		if (el && el.textContent !== text)
			el.textContent = text;
	}

	function renderFigures(figures) {
		Object.keys(figures).forEach(function (name) {
			setText('[data-stat="' + name + '"]', figures[name].text);
			if (figures[name].sub)
				setText('[data-stat-sub="' + name + '"]', figures[name].sub);
		});
	}

	/* Build rows with textContent only: whatever a caller said stays text. */
	function eventRow(event) {
		var row = document.createElement('tr');
		var when = document.createElement('td');
		var time = document.createElement('time');
		var kind = document.createElement('td');
		var badge = document.createElement('span');
		var what = document.createElement('td');
		var title = document.createElement(event.link ? 'a' : 'span');
		var detail = document.createElement('span');

		when.className = 'nowrap';
		time.setAttribute('datetime', event.at);
		time.textContent = event.time;
		when.appendChild(time);
		badge.className = 'badge ' + event.badge;
		badge.textContent = event.label;
		kind.appendChild(badge);
		if (event.link)
			title.setAttribute('href', event.link);
		title.textContent = event.title;
		detail.className = 'sub';
		detail.textContent = event.detail;
		what.appendChild(title);
		what.appendChild(detail);
		row.appendChild(when);
		row.appendChild(kind);
		row.appendChild(what);
		return row;
	}

	function renderEvents(events) {
		var body = root.querySelector('[data-events]');
		if (!body || !events.length)
			return;
		while (body.firstChild)
			body.removeChild(body.firstChild);
		events.forEach(function (event) {
			body.appendChild(eventRow(event));
		});
	}

	/* The server builds the chart, escaping every label; it is swapped in whole. */
	function renderChart(svg) {
		var holder = root.querySelector('[data-chart]');
		if (holder)
			holder.innerHTML = svg;
	}

	function schedule() {
		if (stopped)
			return;
		clearTimeout(timer);
		timer = setTimeout(poll, INTERVAL_MS);
	}

	function poll() {
		if (document.hidden) {
			schedule();
			return;
		}
		fetch(endpoint + '?v=' + encodeURIComponent(version), {
			credentials: 'same-origin',
			headers: { 'Accept': 'application/json' },
			cache: 'no-store'
		}).then(function (response) {
			/* Signed out elsewhere: stop; the next page load signs in again. */
			if (response.status === 401) {
				stopped = true;
				return null;
			}
			return response.ok ? response.json() : null;
		}).then(function (data) {
			if (data && data.changed && data.version !== version) {
				version = data.version;
				root.setAttribute('data-version', version);
				renderFigures(data.figures);
				renderEvents(data.events);
				renderChart(data.chart_svg);
			}
		}).catch(function () {
			/* A failed poll (network, server restart) is retried on the next tick. */
		}).then(schedule);
	}

	document.addEventListener('visibilitychange', function () {
		if (!document.hidden && !stopped) {
			clearTimeout(timer);
			poll();
		}
	});
	schedule();
})();
