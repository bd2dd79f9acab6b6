{{%AUTOESCAPE context="HTML"}}
{{! settings_reminders.tpl: reminder texts before appointments, and the private calendar feeds for Outlook and Apple Calendar. }}
<div class="page-header"><h1>Reminders</h1><p>Texts that remind customers of their appointments, and your appointments in Outlook or Apple Calendar.</p></div>
{{>SETTINGS_NAV}}
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can change settings.</p>{{/READ_ONLY}}
<div class="card">
	<div class="card-header"><h2>Reminder texts</h2></div>
	<form class="form-narrow" method="post" action="/settings/reminders" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field field-check">
			<input id="reminders_enabled" name="reminders_enabled" type="checkbox" value="1" {{#REMINDERS_ON}}checked{{/REMINDERS_ON}}>
			<label for="reminders_enabled">Text customers before their appointments</label>
		</div>
		<div class="field-row">
			<div class="field {{FIRST_MINUTES_CLASS}}">
				<label for="first_minutes">First reminder</label>
				<select id="first_minutes" name="first_minutes">{{#FIRST_OPTION}}<option value="{{VALUE}}" {{SELECTED}}>{{LABEL}}</option>{{/FIRST_OPTION}}</select>
				{{#FIRST_MINUTES_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/FIRST_MINUTES_ERROR}}
			</div>
			<div class="field {{SECOND_MINUTES_CLASS}}">
				<label for="second_minutes">Second reminder</label>
				<select id="second_minutes" name="second_minutes">{{#SECOND_OPTION}}<option value="{{VALUE}}" {{SELECTED}}>{{LABEL}}</option>{{/SECOND_OPTION}}</select>
				{{#SECOND_MINUTES_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/SECOND_MINUTES_ERROR}}
			</div>
		</div>
		<p class="help">Each reminder names your business, the service, the day and the time, and ends "Reply C to cancel or R to reschedule". A reminder whose time had already passed by more than {{GRACE_MINUTES}} minutes when the appointment was booked or moved is not sent. A moved appointment gets reminders for its new time; a cancelled one gets none, and nor does a number that replied STOP. Texts go out only when text messages are on under <a href="/settings/notifications">Notifications</a>.</p>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Save reminders</button></div>
	</form>
</div>
<div class="card" id="feed">
	<div class="card-header"><h2>Calendar feed</h2></div>
	<p class="help">Subscribe to your appointments from Outlook (Add calendar, Subscribe from web) or Apple Calendar (File, New Calendar Subscription). The feed holds the last 30 days and the next 180, and calendar apps refresh it every few minutes to hours. Its address is private: anyone who has it can read your appointments. It is shown once, when it is made; making a new one stops the old one at once.</p>
	{{#NEW_FEED}}<p class="flash flash-ok" role="status">New feed address for {{SCOPE}}. Copy it now: it is not shown again.</p>
	<div class="form-narrow">
		<div class="field">
			<label for="feed_url">Feed address ({{SCOPE}})</label>
			<input id="feed_url" class="mono" type="text" readonly value="{{URL}}">
			<p class="help"><a href="{{WEBCAL_URL}}">Open in your calendar app</a></p>
		</div>
	</div>{{/NEW_FEED}}
	<div class="table-wrap">
		<table class="data">
			<thead><tr><th>Calendar</th><th>Feed</th><th class="actions"><span class="visually-hidden">Actions</span></th></tr></thead>
			<tbody>
			{{#FEED}}
				<tr>
					<td>{{SCOPE}}</td>
					<td>{{#ON}}<span class="badge badge-active">on</span><span class="sub">since {{SINCE}}</span>{{/ON}}{{#OFF}}<span class="badge badge-inactive">off</span>{{/OFF}}</td>
					<td class="actions">{{#CAN_EDIT}}
						<form class="inline" method="post" action="/settings/reminders/feed"{{#ON_ACTIONS}} data-confirm="Make a new address for {{SCOPE}}? The old one stops working."{{/ON_ACTIONS}}>
							<input type="hidden" name="csrf" value="{{CSRF}}">
							<input type="hidden" name="resource" value="{{RESOURCE}}">
							<button class="btn btn-small" type="submit">{{#ON_ACTIONS}}New address{{/ON_ACTIONS}}{{#OFF}}Make address{{/OFF}}</button>
						</form>
						{{#ON_ACTIONS}}<form class="inline" method="post" action="/settings/reminders/feed/stop" data-confirm="Turn off the feed of {{SCOPE}}? Its address stops working.">
							<input type="hidden" name="csrf" value="{{CSRF}}">
							<input type="hidden" name="resource" value="{{RESOURCE}}">
							<button class="btn btn-small btn-danger" type="submit">Turn off</button>
						</form>{{/ON_ACTIONS}}
					{{/CAN_EDIT}}</td>
				</tr>
			{{/FEED}}
			</tbody>
		</table>
	</div>
</div>
