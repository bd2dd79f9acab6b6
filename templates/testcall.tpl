{{%AUTOESCAPE context="HTML"}}
{{! testcall.tpl: talk to the receptionist from the browser; static/testcall.js runs the call. }}
<div class="page-header">
	<h1>Test call</h1>
	<p>Talk to your receptionist through your microphone, as a caller would hear it.</p>
</div>
<div class="card section" id="testcall" data-start="/test-call" data-csrf="{{CSRF}}">
	<div class="card-header">
		<h2>Call</h2>
		<span class="badge" id="testcall-status" role="status">Not connected</span>
	</div>
	<noscript><p class="muted">The test call needs JavaScript and a microphone.</p></noscript>
	<div class="form-actions">
		<button type="button" class="btn btn-primary" id="testcall-start">Start test call</button>
		<button type="button" class="btn btn-danger" id="testcall-hangup" hidden>Hang up</button>
	</div>
	<p class="field-error" id="testcall-error" hidden></p>
	<div class="transcript" id="testcall-transcript" aria-live="polite"></div>
	<p class="muted small" id="testcall-after" hidden>The call is in your <a href="/calls">calls</a> with everything that was said.</p>
</div>
<script src="/static/testcall.js" defer></script>
