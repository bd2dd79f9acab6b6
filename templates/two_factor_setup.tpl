{{%AUTOESCAPE context="HTML"}}
{{! two_factor_setup.tpl: turning on two-factor sign-in: the secret for an authenticator app, then one code from it. }}
<div class="page-header">
	<h1>Turn on two-factor sign-in</h1>
	<p>Signing in will also ask for a code from an authenticator app (Google Authenticator, 1Password, Authy, ...).</p>
</div>
{{#REQUIRED}}<div class="flash flash-info" role="status">Your business requires two-factor sign-in: turn it on to go on using Switchboard.</div>{{/REQUIRED}}
<div class="card section">
	<div class="card-header"><h2>1. Add Switchboard to your app</h2></div>
	<p>In the app, add an account and scan this code:</p>
	<img class="two-factor-qr" id="qr" src="/account/two-factor/qr.svg" width="200" height="200" alt="QR code of the setup key for your authenticator app">
	<p>Or choose to enter a setup key, and type this key (time-based):</p>
	<p class="mono two-factor-secret" id="secret">{{SECRET}}</p>
	<p class="muted small">Or give your app this address:</p>
	<p class="mono break small" id="otpauth-uri">{{URI}}</p>
</div>
<div class="card section">
	<div class="card-header"><h2>2. Enter the code it shows</h2></div>
	<form method="post" action="/account/two-factor" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field {{CODE_CLASS}}">
			<label for="code">6-digit code</label>
			<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="32" required autofocus>
			{{#CODE_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/CODE_ERROR}}
		</div>
		<div class="form-actions">
			<button class="btn btn-primary" type="submit">Turn on</button>
			<a class="btn" href="/account">Cancel</a>
		</div>
	</form>
</div>
