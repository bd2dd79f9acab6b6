{{%AUTOESCAPE context="HTML"}}
{{! settings_business.tpl: the business's name, time zone and kind; its daily limits, allowed countries and retention. }}
<div class="page-header"><h1>Settings</h1><p>How your business appears to callers and when its day starts.</p></div>
{{>SETTINGS_NAV}}
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can change settings.</p>{{/READ_ONLY}}
<div class="card">
	<div class="card-header"><h2>Business</h2></div>
	<form class="form-narrow" method="post" action="/settings/business" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field {{NAME_CLASS}}">
			<label for="name">Business name</label>
			<input id="name" name="name" type="text" autocomplete="organization" value="{{NAME_VALUE}}" maxlength="200" required>
			{{#NAME_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/NAME_ERROR}}
		</div>
		<div class="field {{TIMEZONE_CLASS}}">
			<label for="timezone">Time zone</label>
			<input id="timezone" name="timezone" type="text" value="{{TIMEZONE_VALUE}}" list="timezones" required>
			<datalist id="timezones">
				<option value="America/New_York"><option value="America/Chicago"><option value="America/Denver">
				<option value="America/Los_Angeles"><option value="America/Phoenix"><option value="America/Anchorage">
				<option value="Pacific/Honolulu"><option value="America/Toronto"><option value="Europe/London">
				<option value="Europe/Berlin"><option value="Australia/Sydney">
			</datalist>
			<p class="help">Business hours, appointments and "today" on the dashboard use this zone.</p>
			{{#TIMEZONE_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/TIMEZONE_ERROR}}
		</div>
		<div class="field {{BUSINESS_KIND_CLASS}}">
			<label for="business_kind">Kind of business</label>
			<select id="business_kind" name="business_kind">
				{{#KIND_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
				{{/KIND_OPTION}}
			</select>
			<p class="help">How the receptionist talks about your trade and what it treats as an emergency. Changing it adds the kind's starter services and answers where you have none of the same name; nothing you added or edited is changed.</p>
			{{#BUSINESS_KIND_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/BUSINESS_KIND_ERROR}}
		</div>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Save business details</button></div>
	</form>
</div>
<div class="card">
	<div class="card-header"><h2>Limits and retention</h2></div>
	<form class="form-narrow" method="post" action="/settings/limits" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field {{SMS_DAILY_LIMIT_CLASS}}">
			<label for="sms_daily_limit">Texts a day</label>
			<input id="sms_daily_limit" name="sms_daily_limit" type="number" min="0" max="{{SMS_CEILING}}" value="{{SMS_DAILY_LIMIT_VALUE}}" required>
			<p class="help">Texts past this many in a day (in the business's time zone) are not sent and are marked "daily limit reached". This server allows at most {{SMS_CEILING}}.</p>
			{{#SMS_DAILY_LIMIT_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/SMS_DAILY_LIMIT_ERROR}}
		</div>
		<div class="field {{CALL_DAILY_LIMIT_CLASS}}">
			<label for="call_daily_limit">Call-backs a day</label>
			<input id="call_daily_limit" name="call_daily_limit" type="number" min="0" max="{{CALLS_CEILING}}" value="{{CALL_DAILY_LIMIT_VALUE}}" required>
			<p class="help">Outbound calls past this many in a day are not placed. This server allows at most {{CALLS_CEILING}}.</p>
			{{#CALL_DAILY_LIMIT_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/CALL_DAILY_LIMIT_ERROR}}
		</div>
		<div class="field {{CALLING_CODES_CLASS}}">
			<label for="calling_codes">Countries to text and call</label>
			<input id="calling_codes" name="calling_codes" type="text" value="{{CALLING_CODES_VALUE}}" placeholder="+1">
			<p class="help">Country calling codes, e.g. <code>+1 +44</code>. Texts and calls to numbers elsewhere are refused, with the reason on the message or call.</p>
			{{#CALLING_CODES_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/CALLING_CODES_ERROR}}
		</div>
		<div class="field {{RETENTION_DAYS_CLASS}}">
			<label for="retention_days">Keep transcripts and recordings for (days)</label>
			<input id="retention_days" name="retention_days" type="number" min="0" max="3650" value="{{RETENTION_DAYS_VALUE}}" required>
			<p class="help">Older transcripts, summaries and recording links are deleted daily. 0 keeps nothing: a call's transcript is used for its lead and then deleted, and no recording link is stored.</p>
			{{#RETENTION_DAYS_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/RETENTION_DAYS_ERROR}}
		</div>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Save limits and retention</button></div>
	</form>
</div>
