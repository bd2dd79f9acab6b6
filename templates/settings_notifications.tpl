{{%AUTOESCAPE context="HTML"}}
{{! settings_notifications.tpl: whether text messages go out, and where the owner's alerts go. }}
<div class="page-header"><h1>Notifications</h1><p>Texts to callers and alerts to you.</p></div>
{{>SETTINGS_NAV}}
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can change settings.</p>{{/READ_ONLY}}
<div class="card">
	<div class="card-header"><h2>Messages and alerts</h2></div>
	<form class="form-narrow" method="post" action="/settings/notifications" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field field-check {{SMS_ENABLED_CLASS}}">
			<input id="sms_enabled" name="sms_enabled" type="checkbox" value="1" {{#SMS_ON}}checked{{/SMS_ON}}>
			<label for="sms_enabled">Send text messages</label>
			{{#SMS_ENABLED_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/SMS_ENABLED_ERROR}}
			{{#SMS_PROBLEM}}<p class="flash flash-error" role="alert">Texts are switched on but cannot be sent: {{MESSAGE}}</p>{{/SMS_PROBLEM}}
		</div>
		<p class="help">When this is off, every confirmation, reminder and missed-call text is only logged, never sent.</p>
		<div class="field {{ALERT_PHONE_CLASS}}">
			<label for="alert_phone">Alert phone <span class="muted">(optional)</span></label>
			<input id="alert_phone" name="alert_phone" type="tel" value="{{ALERT_PHONE_VALUE}}" placeholder="+15551234567">
			<p class="help">Urgent calls and new bookings are texted here.</p>
			{{#ALERT_PHONE_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/ALERT_PHONE_ERROR}}
		</div>
		<div class="field {{ALERT_EMAIL_CLASS}}">
			<label for="alert_email">Alert email <span class="muted">(optional)</span></label>
			<input id="alert_email" name="alert_email" type="email" value="{{ALERT_EMAIL_VALUE}}" placeholder="you@example.com">
			{{#ALERT_EMAIL_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/ALERT_EMAIL_ERROR}}
		</div>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Save notifications</button></div>
	</form>
</div>
