{{%AUTOESCAPE context="HTML"}}
{{! settings_calendar.tpl: Google Calendar: connect, reconnect or disconnect, and which calendar each resource uses. }}
<div class="page-header"><h1>Calendar</h1><p>Your bookings in Google Calendar, and your busy times kept free.</p></div>
{{>SETTINGS_NAV}}
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can change settings.</p>{{/READ_ONLY}}
<div class="card">
	<div class="card-header"><h2>Google Calendar</h2></div>
	{{#NOT_CONFIGURED}}<p>Google Calendar is not set up on this server (GOOGLE_CLIENT_ID).</p>{{/NOT_CONFIGURED}}
	{{#DISCONNECTED}}
	<p>Not connected. Once connected, every booking, reschedule and cancellation appears in your calendar, and the times you are busy there cannot be booked.</p>
	<p><a class="btn btn-primary" href="/settings/calendar/connect">Connect Google Calendar</a></p>
	{{/DISCONNECTED}}
	{{#REVOKED}}
	<p class="flash flash-error" role="alert">Google no longer lets Switchboard use your calendar: bookings are not reaching it and your busy times are not read.</p>
	<p><a class="btn btn-primary" href="/settings/calendar/connect">Reconnect Google Calendar</a></p>
	{{/REVOKED}}
	{{#CONNECTED}}<p>Connected since {{SINCE}}.</p>{{/CONNECTED}}
	{{#MAP}}
	<p class="muted">{{BUSY}} upcoming busy times read from Google.</p>
	<table class="table">
		<thead><tr><th>Resource</th><th>Calendar id</th><th>State</th><th></th></tr></thead>
		<tbody>
		{{#RESOURCE}}
		<tr>
			<td>{{NAME}}</td>
			<td><form method="post" action="/settings/calendar/map" class="form-inline">
				<input type="hidden" name="csrf" value="{{CSRF}}">
				<input type="hidden" name="resource_id" value="{{ID}}">
				<label class="visually-hidden" for="cal-{{ID}}">Calendar id for {{NAME}}</label>
				<input id="cal-{{ID}}" name="calendar_id" value="{{CALENDAR}}" maxlength="254">
				<button class="btn" type="submit">Save</button>
			</form></td>
			<td>{{STATE}}</td>
		</tr>
		{{/RESOURCE}}
		</tbody>
	</table>
	<p class="help">"primary" is the main calendar of the Google account; another calendar's id is under its settings in Google Calendar.</p>
	<form method="post" action="/settings/calendar/disconnect">
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<button class="btn btn-danger" type="submit">Disconnect Google Calendar</button>
	</form>
	{{/MAP}}
</div>
