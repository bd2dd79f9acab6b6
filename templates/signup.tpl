{{%AUTOESCAPE context="HTML"}}
{{! signup.tpl: create a business and its owner account. }}
<h1>Create your account</h1>
<p class="muted">Set up your business and its AI receptionist in a minute.</p>
<form method="post" action="/signup" novalidate>
	<input type="hidden" name="csrf" value="{{CSRF}}">
	<div class="field {{BUSINESS_CLASS}}">
		<label for="business">Business name</label>
		<input id="business" name="business" type="text" autocomplete="organization" value="{{BUSINESS_VALUE}}" maxlength="120" required autofocus>
		{{#BUSINESS_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/BUSINESS_ERROR}}
	</div>
	<div class="field {{BUSINESS_KIND_CLASS}}">
		<label for="business_kind">Kind of business</label>
		<select id="business_kind" name="business_kind" required>
			<option value="">Choose one</option>
			{{#KIND_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
			{{/KIND_OPTION}}
		</select>
		<p class="help">Your receptionist starts with this trade's usual services and answers.</p>
		{{#BUSINESS_KIND_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/BUSINESS_KIND_ERROR}}
	</div>
	<div class="field {{EMAIL_CLASS}}">
		<label for="email">Your email</label>
		<input id="email" name="email" type="email" autocomplete="email" value="{{EMAIL_VALUE}}" required>
		{{#EMAIL_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/EMAIL_ERROR}}
	</div>
	<div class="field {{PASSWORD_CLASS}}">
		<label for="password">Password</label>
		<input id="password" name="password" type="password" autocomplete="new-password" minlength="10" required>
		<p class="help">At least 10 characters.</p>
		{{#PASSWORD_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/PASSWORD_ERROR}}
	</div>
	<div class="field {{TIMEZONE_CLASS}}">
		<label for="timezone">Time zone</label>
		<input id="timezone" name="timezone" type="text" value="{{TIMEZONE_VALUE}}" list="timezones" required>
		<datalist id="timezones">
			<option value="America/New_York"><option value="America/Chicago"><option value="America/Denver">
			<option value="America/Los_Angeles"><option value="America/Phoenix"><option value="Europe/London">
			<option value="Europe/Berlin"><option value="Australia/Sydney">
		</datalist>
		{{#TIMEZONE_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/TIMEZONE_ERROR}}
	</div>
	<div class="form-actions">
		<button class="btn btn-primary" type="submit">Create account</button>
	</div>
</form>
<p class="muted small">Already have an account? <a href="/login">Sign in</a></p>
