{{%AUTOESCAPE context="HTML"}}
{{! account.tpl: the signed-in user's own account: email verification, the password, two-factor sign-in. }}
<div class="page-header">
	<h1>Account</h1>
	<p>Your sign-in for {{ORG_NAME}}.</p>
</div>
<div class="grid-2">
	<div class="card">
		<div class="card-header"><h2>You</h2></div>
		<dl class="details">
			<dt>Email</dt><dd class="break">{{EMAIL}} {{#EMAIL_VERIFIED}}<span class="badge badge-active">verified</span>{{/EMAIL_VERIFIED}}{{#EMAIL_UNVERIFIED}}<span class="badge badge-pending">not verified</span>{{/EMAIL_UNVERIFIED}}</dd>
			<dt>Business</dt><dd>{{ORG_NAME}}</dd>
			<dt>Role</dt><dd>{{ROLE}}</dd>
		</dl>
	</div>
	<div class="card">
		<div class="card-header"><h2>Change password</h2></div>
		<p class="muted small">Changing it signs you out everywhere else.</p>
		<form method="post" action="/account/password" novalidate>
			<input type="hidden" name="csrf" value="{{CSRF}}">
			<input type="email" class="visually-hidden" autocomplete="username" value="{{EMAIL}}" readonly tabindex="-1" aria-hidden="true">
			<div class="field {{CURRENT_PASSWORD_CLASS}}">
				<label for="current_password">Current password</label>
				<input id="current_password" name="current_password" type="password" autocomplete="current-password" required>
				{{#CURRENT_PASSWORD_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/CURRENT_PASSWORD_ERROR}}
			</div>
			<div class="field {{NEW_PASSWORD_CLASS}}">
				<label for="new_password">New password</label>
				<input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="10" required>
				<p class="help">At least 10 characters.</p>
				{{#NEW_PASSWORD_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/NEW_PASSWORD_ERROR}}
			</div>
			<div class="field {{CONFIRM_PASSWORD_CLASS}}">
				<label for="confirm_password">New password again</label>
				<input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" minlength="10" required>
				{{#CONFIRM_PASSWORD_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/CONFIRM_PASSWORD_ERROR}}
			</div>
			<div class="form-actions">
				<button class="btn btn-primary" type="submit">Change password</button>
			</div>
		</form>
	</div>
	<div class="card" id="two-factor">
		<div class="card-header"><h2>Two-factor sign-in</h2></div>
		{{#TWO_FACTOR_OFF}}
		<p>Off. With it on, signing in also asks for a code from an authenticator app on your phone, so a stolen password alone cannot get in.</p>
		<p><a class="btn btn-primary" href="/account/two-factor">Turn on two-factor sign-in</a></p>
		{{/TWO_FACTOR_OFF}}
		{{#TWO_FACTOR_ON}}
		<p><span class="badge badge-active">on</span> Signing in asks for a code from your authenticator app. Recovery codes left: <strong class="recovery-left">{{RECOVERY_LEFT}}</strong>.</p>
		<form method="post" action="/account/two-factor/recovery" novalidate>
			<input type="hidden" name="csrf" value="{{CSRF}}">
			<input type="email" class="visually-hidden" autocomplete="username" value="{{EMAIL}}" readonly tabindex="-1" aria-hidden="true">
			<div class="field {{RECOVERY_PASSWORD_CLASS}}">
				<label for="recovery_password">Current password</label>
				<input id="recovery_password" name="recovery_password" type="password" autocomplete="current-password" required>
				{{#RECOVERY_PASSWORD_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/RECOVERY_PASSWORD_ERROR}}
			</div>
			<div class="form-actions"><button class="btn" type="submit">Make new recovery codes</button></div>
		</form>
		<form method="post" action="/account/two-factor/disable" novalidate>
			<input type="hidden" name="csrf" value="{{CSRF}}">
			<input type="email" class="visually-hidden" autocomplete="username" value="{{EMAIL}}" readonly tabindex="-1" aria-hidden="true">
			<div class="field {{DISABLE_PASSWORD_CLASS}}">
				<label for="disable_password">Current password</label>
				<input id="disable_password" name="disable_password" type="password" autocomplete="current-password" required>
				{{#DISABLE_PASSWORD_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/DISABLE_PASSWORD_ERROR}}
			</div>
			<div class="form-actions"><button class="btn btn-danger" type="submit">Turn off two-factor sign-in</button></div>
		</form>
		{{/TWO_FACTOR_ON}}
	</div>
</div>
