{{%AUTOESCAPE context="HTML"}}
{{! reset.tpl: choose a new password through an emailed link, or learn why the link no longer works. }}
{{#RESET}}
<h1>Choose a new password</h1>
<p class="muted">For {{EMAIL}}. Saving it signs this account out everywhere.</p>
<form method="post" action="/password/reset/{{TOKEN}}" novalidate>
	<input type="hidden" name="csrf" value="{{CSRF}}">
	<input type="email" class="visually-hidden" autocomplete="username" value="{{EMAIL}}" readonly tabindex="-1" aria-hidden="true">
	<div class="field {{PASSWORD_CLASS}}">
		<label for="password">New password</label>
		<input id="password" name="password" type="password" autocomplete="new-password" minlength="10" required autofocus>
		<p class="help">At least 10 characters.</p>
		{{#PASSWORD_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/PASSWORD_ERROR}}
	</div>
	<div class="field {{PASSWORD_CONFIRM_CLASS}}">
		<label for="password_confirm">New password again</label>
		<input id="password_confirm" name="password_confirm" type="password" autocomplete="new-password" minlength="10" required>
		{{#PASSWORD_CONFIRM_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/PASSWORD_CONFIRM_ERROR}}
	</div>
	<div class="form-actions">
		<button class="btn btn-primary" type="submit">Save the new password</button>
	</div>
</form>
{{/RESET}}
{{#PROBLEM}}
<h1>{{HEADING}}</h1>
<p>{{MESSAGE}}</p>
<p><a class="btn btn-primary" href="/password/forgot">Send a new link</a></p>
{{/PROBLEM}}
