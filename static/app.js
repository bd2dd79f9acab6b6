/* app.js: optional progressive enhancement (mobile nav toggle, data-confirm prompts); every page works without it. */
(function () {
	'use strict';

	var doc = document;

	/*
	 * Mobile nav. Without JS the toggle is a link to #site-nav and CSS
	 * shows the nav on :target; with JS it becomes a real toggle button.
	 */
	function setupNavToggle() {
		var toggle = doc.querySelector('.nav-toggle');
		var nav = toggle && doc.getElementById(toggle.getAttribute('aria-controls'));

		if (!toggle || !nav)
			return;
		toggle.setAttribute('role', 'button');

		function setOpen(open) {
			doc.body.classList.toggle('nav-open', open);
			toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
		}

		toggle.addEventListener('click', function (event) {
			event.preventDefault();
			setOpen(!doc.body.classList.contains('nav-open'));
		});
		/* A link with role=button must also answer the space bar. */
		toggle.addEventListener('keydown', function (event) {
			if (event.key === ' ') {
				event.preventDefault();
				toggle.click();
			}
		});
		doc.addEventListener('keydown', function (event) {
			if (event.key === 'Escape' && doc.body.classList.contains('nav-open')) {
				setOpen(false);
				toggle.focus();
			}
		});
	}

	/*
	 * data-confirm="Question?" on a button, link or input asks on click;
	 * on a form it asks on submit, unless the submitting button already asked.
	 */
	function setupConfirm() {
		doc.addEventListener('click', function (event) {
			var el = event.target.closest ? event.target.closest('[data-confirm]') : null;

			if (!el || el.tagName === 'FORM')
				return;
			if (!window.confirm(el.getAttribute('data-confirm'))) {
				event.preventDefault();
				event.stopImmediatePropagation();
			}
		}, true);

		doc.addEventListener('submit', function (event) {
			var form = event.target;
			var submitter = event.submitter;
			var question = form.getAttribute('data-confirm');

			if (!question || (submitter && submitter.hasAttribute('data-confirm')))
				return;
			if (!window.confirm(question))
				event.preventDefault();
		}, true);
	}

	setupNavToggle();
	setupConfirm();
})();
