{{%AUTOESCAPE context="HTML"}}
{{! login.tpl: the sign-in form. }}
<h1>Sign in</h1>
<p class="muted">Welcome back. Sign in to run your receptionist.</p>
<form method="post" action="/login" novalidate>
	<input type="hidden" name="csrf" value="{{CSRF}}">
	<input type="hidden" name="next" value="{{NEXT}}">
	<div class="field {{EMAIL_CLASS}}">
		<label for="email">Email</label>
		<input id="email" name="email" type="email" autocomplete="username" value="{{EMAIL_VALUE}}" required autofocus>
		{{#EMAIL_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/EMAIL_ERROR}}
	</div>
	<div class="field {{PASSWORD_CLASS}}">
		<label for="password">Password</label>
		<input id="password" name="password" type="password" autocomplete="current-password" required>
		{{#PASSWORD_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/PASSWORD_ERROR}}
		<p class="help"><a href="/password/forgot">Forgot password?</a></p>
	</div>
	<div class="form-actions">
		<button class="btn btn-primary" type="submit">Sign in</button>
	</div>
</form>
<p class="muted small">New to Switchboard? <a href="/signup">Create an account</a></p>
