{{%AUTOESCAPE context="HTML"}}
{{! forgot.tpl: ask for an email with a link to choose a new password. }}
<h1>Reset your password</h1>
<p class="muted">Enter the email you sign in with. We will send it a link to choose a new password.</p>
<form method="post" action="/password/forgot" novalidate>
	<input type="hidden" name="csrf" value="{{CSRF}}">
	<div class="field {{EMAIL_CLASS}}">
		<label for="email">Email</label>
		<input id="email" name="email" type="email" autocomplete="username" value="{{EMAIL_VALUE}}" required autofocus>
		{{#EMAIL_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/EMAIL_ERROR}}
	</div>
	<div class="form-actions">
		<button class="btn btn-primary" type="submit">Send the link</button>
	</div>
</form>
<p class="muted small"><a href="/login">Back to sign in</a></p>
