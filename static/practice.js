/* practice.js: while a practice run is under way, reload the page each second to show results. */
(function () {
	'use strict';

	var root = document.getElementById('practice');

	if (!root || root.getAttribute('data-poll') !== '1')
		return;
	window.setTimeout(function () { window.location.reload(); }, 1000);
})();
