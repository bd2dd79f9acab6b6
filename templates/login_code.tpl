{{%AUTOESCAPE context="HTML"}}
{{! login_code.tpl: the second step of a two-factor sign-in: the code from the app, or a recovery code. }}
<h1>Enter your code</h1>
<p class="muted">Open your authenticator app and enter the 6-digit code it shows for Switchboard. Lost your phone? Enter one of your recovery codes instead.</p>
<form method="post" action="/login/code" novalidate>
	<input type="hidden" name="csrf" value="{{CSRF}}">
	<input type="hidden" name="next" value="{{NEXT}}">
	<div class="field {{CODE_CLASS}}">
		<label for="code">Code</label>
		<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="32" value="{{CODE_VALUE}}" required autofocus>
		{{#CODE_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/CODE_ERROR}}
	</div>
	<div class="form-actions">
		<button class="btn btn-primary" type="submit">Sign in</button>
	</div>
</form>
<p class="muted small"><a href="/login">Start again</a></p>
