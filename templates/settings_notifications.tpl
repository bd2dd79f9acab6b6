{{%AUTOESCAPE context="HTML"}}
{{! settings_notifications.tpl: whether text messages go out; which alerts the owner gets, by text and email, to whom, outside which quiet hours; the daily summary; how the business's email reads. }}
<div class="page-header"><h1>Notifications</h1><p>Texts to callers, alerts to you, and your email.</p></div>
{{>SETTINGS_NAV}}
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can change settings.</p>{{/READ_ONLY}}
<div class="card">
	<div class="card-header"><h2>What will be sent</h2></div>
	<ul class="promise">
		{{#PROMISE}}<li>{{TEXT}}</li>{{/PROMISE}}
	</ul>
</div>
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
		<p class="help">When this is off, every confirmation, reminder, missed-call text and text alert is only logged, never sent.</p>
		<fieldset>
			<legend>Text alerts</legend>
			<div class="field {{SMS_RECIPIENTS_CLASS}}">
				<label for="sms_recipients">Text these numbers <span class="muted">(one or more, separated by commas)</span></label>
				<input id="sms_recipients" name="sms_recipients" type="text" value="{{SMS_RECIPIENTS_VALUE}}" placeholder="+15551234567">
				{{#SMS_RECIPIENTS_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/SMS_RECIPIENTS_ERROR}}
			</div>
			<div class="field field-check"><input id="sms_on_booking" name="sms_on_booking" type="checkbox" value="1" {{#SMS_ON_BOOKING}}checked{{/SMS_ON_BOOKING}}><label for="sms_on_booking">Every new booking</label></div>
			<div class="field field-check"><input id="sms_on_urgent" name="sms_on_urgent" type="checkbox" value="1" {{#SMS_ON_URGENT}}checked{{/SMS_ON_URGENT}}><label for="sms_on_urgent">Every urgent call</label></div>
			<div class="field field-check"><input id="sms_on_hot_lead" name="sms_on_hot_lead" type="checkbox" value="1" {{#SMS_ON_HOT_LEAD}}checked{{/SMS_ON_HOT_LEAD}}><label for="sms_on_hot_lead">Every hot lead</label></div>
			<div class="field field-check"><input id="sms_on_missed_call" name="sms_on_missed_call" type="checkbox" value="1" {{#SMS_ON_MISSED_CALL}}checked{{/SMS_ON_MISSED_CALL}}><label for="sms_on_missed_call">Every missed call</label></div>
		</fieldset>
		<fieldset>
			<legend>Email alerts</legend>
			<div class="field {{EMAIL_RECIPIENTS_CLASS}}">
				<label for="email_recipients">Email these addresses <span class="muted">(one or more, separated by commas)</span></label>
				<input id="email_recipients" name="email_recipients" type="text" value="{{EMAIL_RECIPIENTS_VALUE}}" placeholder="you@example.com">
				{{#EMAIL_RECIPIENTS_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/EMAIL_RECIPIENTS_ERROR}}
			</div>
			<div class="field field-check"><input id="email_on_booking" name="email_on_booking" type="checkbox" value="1" {{#EMAIL_ON_BOOKING}}checked{{/EMAIL_ON_BOOKING}}><label for="email_on_booking">Every new booking</label></div>
			<div class="field field-check"><input id="email_on_urgent" name="email_on_urgent" type="checkbox" value="1" {{#EMAIL_ON_URGENT}}checked{{/EMAIL_ON_URGENT}}><label for="email_on_urgent">Every urgent call</label></div>
			<div class="field field-check"><input id="email_on_hot_lead" name="email_on_hot_lead" type="checkbox" value="1" {{#EMAIL_ON_HOT_LEAD}}checked{{/EMAIL_ON_HOT_LEAD}}><label for="email_on_hot_lead">Every hot lead</label></div>
			<div class="field field-check"><input id="email_on_missed_call" name="email_on_missed_call" type="checkbox" value="1" {{#EMAIL_ON_MISSED_CALL}}checked{{/EMAIL_ON_MISSED_CALL}}><label for="email_on_missed_call">Every missed call</label></div>
		</fieldset>
		<fieldset>
			<legend>Quiet hours <span class="muted">(optional, in {{TIMEZONE}})</span></legend>
			<div class="field {{QUIET_START_CLASS}}">
				<label for="quiet_start">From</label>
				<input id="quiet_start" name="quiet_start" type="time" value="{{QUIET_START_VALUE}}">
				{{#QUIET_START_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/QUIET_START_ERROR}}
			</div>
			<div class="field {{QUIET_END_CLASS}}">
				<label for="quiet_end">Until</label>
				<input id="quiet_end" name="quiet_end" type="time" value="{{QUIET_END_VALUE}}">
				{{#QUIET_END_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/QUIET_END_ERROR}}
			</div>
			<p class="help">An alert that comes up during quiet hours is not lost: it is held and sent, text and email alike, when the quiet hours end. Texts to callers and the daily summary are not held.</p>
		</fieldset>
		<fieldset>
			<legend>Daily summary by email</legend>
			<div class="field {{SUMMARY_HOUR_CLASS}}">
				<label for="summary_hour">Send it at</label>
				<select id="summary_hour" name="summary_hour">
					<option value="">No daily summary</option>
					{{#HOUR}}<option value="{{H}}" {{#SELECTED}}selected{{/SELECTED}}>{{H}}:00</option>{{/HOUR}}
				</select>
				{{#SUMMARY_HOUR_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/SUMMARY_HOUR_ERROR}}
			</div>
			<div class="field field-check"><input id="summary_on_quiet_days" name="summary_on_quiet_days" type="checkbox" value="1" {{#SUMMARY_ON_QUIET_DAYS}}checked{{/SUMMARY_ON_QUIET_DAYS}}><label for="summary_on_quiet_days">Send it on days with no calls too</label></div>
			<p class="help">Goes to the alert email addresses: calls answered, after hours, bookings and their value, missed calls and whether they were texted back, and the leads to call back.</p>
		</fieldset>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Save notifications</button></div>
	</form>
</div>
<div class="card">
	<div class="card-header"><h2>Your email</h2></div>
	<form class="form-narrow" method="post" action="/settings/email" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field {{MAIL_SENDER_NAME_CLASS}}">
			<label for="mail_sender_name">Sender name <span class="muted">(optional; the business's name when empty)</span></label>
			<input id="mail_sender_name" name="mail_sender_name" type="text" maxlength="100" value="{{MAIL_SENDER_NAME_VALUE}}" placeholder="{{BUSINESS_NAME}}">
			{{#MAIL_SENDER_NAME_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/MAIL_SENDER_NAME_ERROR}}
		</div>
		<div class="field {{MAIL_REPLY_TO_CLASS}}">
			<label for="mail_reply_to">Replies go to <span class="muted">(optional)</span></label>
			<input id="mail_reply_to" name="mail_reply_to" type="email" value="{{MAIL_REPLY_TO_VALUE}}" placeholder="office@example.com">
			{{#MAIL_REPLY_TO_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/MAIL_REPLY_TO_ERROR}}
		</div>
		<h3>Information email</h3>
		<p class="help">What "Send info" on a lead or a call emails the caller. Plain text: each blank line starts a new paragraph.</p>
		<div class="field {{INFO_SUBJECT_CLASS}}">
			<label for="info_subject">Subject</label>
			<input id="info_subject" name="info_subject" type="text" maxlength="200" value="{{INFO_SUBJECT_VALUE}}" placeholder="About {{BUSINESS_NAME}}">
			{{#INFO_SUBJECT_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/INFO_SUBJECT_ERROR}}
		</div>
		<div class="field {{INFO_BODY_CLASS}}">
			<label for="info_body">Text</label>
			<textarea id="info_body" name="info_body" rows="8" maxlength="5000">{{INFO_BODY_VALUE}}</textarea>
			{{#INFO_BODY_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/INFO_BODY_ERROR}}
		</div>
		<div class="field {{INFO_LOGO_URL_CLASS}}">
			<label for="info_logo_url">Logo address <span class="muted">(optional, https://)</span></label>
			<input id="info_logo_url" name="info_logo_url" type="url" value="{{INFO_LOGO_URL_VALUE}}" placeholder="https://example.com/logo.png">
			{{#INFO_LOGO_URL_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/INFO_LOGO_URL_ERROR}}
		</div>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Save email</button></div>
	</form>
</div>
