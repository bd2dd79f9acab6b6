{{%AUTOESCAPE context="HTML"}}
{{! invite_accept.tpl: an invited teammate chooses a password, or learns why the link no longer works. }}
{{#ACCEPT}}
<h1>Join {{ORG_NAME}}</h1>
<p class="muted">You were invited as {{ROLE}}. Choose a password to finish setting up your account.</p>
<form method="post" action="/invite/{{TOKEN}}" novalidate>
	<input type="hidden" name="csrf" value="{{CSRF}}">
	<div class="field">
		<label for="email">Email</label>
		<input id="email" type="email" autocomplete="username" value="{{EMAIL}}" readonly>
	</div>
	<div class="field {{PASSWORD_CLASS}}">
		<label for="password">Password</label>
		<input id="password" name="password" type="password" autocomplete="new-password" minlength="10" required autofocus>
		<p class="help">At least 10 characters.</p>
		{{#PASSWORD_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/PASSWORD_ERROR}}
	</div>
	<div class="field {{PASSWORD_CONFIRM_CLASS}}">
		<label for="password_confirm">Password again</label>
		<input id="password_confirm" name="password_confirm" type="password" autocomplete="new-password" minlength="10" required>
		{{#PASSWORD_CONFIRM_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/PASSWORD_CONFIRM_ERROR}}
	</div>
	<div class="form-actions">
		<button class="btn btn-primary" type="submit">Join the team</button>
	</div>
</form>
{{/ACCEPT}}
{{#PROBLEM}}
<h1>{{HEADING}}</h1>
<p>{{MESSAGE}}</p>
<div class="form-actions">
	<a class="btn btn-primary" href="/login">Sign in</a>
</div>
{{/PROBLEM}}
