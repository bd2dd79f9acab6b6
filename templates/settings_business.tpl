{{%AUTOESCAPE context="HTML"}}
{{! settings_business.tpl: the business's name and time zone. }}
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
		<div class="form-actions"><button class="btn btn-primary" type="submit">Save business details</button></div>
	</form>
</div>
