{{%AUTOESCAPE context="HTML"}}
{{! dashboard.tpl: today's figures, the 30-day chart and the latest events; static/live.js fetches them again when a call, a booking or a lead changes. }}
<div class="page-header"><h1>Dashboard</h1><p>Today in your business's time zone.</p><div class="actions"><a class="btn" href="/test-call">Test call</a></div></div>
{{#CALENDAR_REVOKED}}<p class="flash flash-error" role="alert" id="calendar-revoked">Google Calendar stopped accepting Switchboard: bookings no longer reach it and its busy times are not read. <a href="/settings/calendar/connect">Reconnect Google Calendar</a></p>{{/CALENDAR_REVOKED}}
{{#SETUP}}<div class="card setup" id="setup-checklist">
	<div class="card-header"><h2>Finish setting up</h2></div>
	<p class="help">Your receptionist is ready for real callers once each of these is done. This list goes away then.</p>
	<ul class="checklist">
	{{#SETUP_ITEM}}<li data-done="{{#SETUP_DONE}}yes{{/SETUP_DONE}}{{#SETUP_TODO}}no{{/SETUP_TODO}}">{{#SETUP_DONE}}<span class="badge badge-ok">Done</span> {{/SETUP_DONE}}{{LABEL}}{{#SETUP_TODO}}: <a href="{{HREF}}">{{TODO}}</a>{{#SETUP_WHY}} <span class="sub">{{WHY}}</span>{{/SETUP_WHY}}{{/SETUP_TODO}}</li>
	{{/SETUP_ITEM}}
	</ul>
</div>{{/SETUP}}
<div id="dashboard" data-live-region="dashboard" data-live-on="call booking lead">
<div class="stats">
	<div class="stat"><p class="stat-label">Calls today</p><p class="stat-value" data-stat="calls_today">{{CALLS_TODAY}}</p></div>
	<div class="stat"><p class="stat-label">Booked today</p><p class="stat-value" data-stat="booked_today">{{BOOKED_TODAY}}</p></div>
	<div class="stat"><p class="stat-label">Missed today</p><p class="stat-value" data-stat="missed_today">{{MISSED_TODAY}}</p></div>
	<div class="stat"><p class="stat-label">No-shows this week</p><p class="stat-value" data-stat="no_shows_week">{{NO_SHOWS_WEEK}}</p><p class="stat-sub"><a href="/appointments">Appointments</a></p></div>
	<div class="stat"><p class="stat-label">Success rate</p><p class="stat-value" data-stat="success_rate">{{SUCCESS_RATE}}</p><p class="stat-sub" data-stat-sub="success_rate">{{SUCCESS_RATE_SUB}}</p></div>
	<div class="stat"><p class="stat-label">Pipeline value</p><p class="stat-value" data-stat="pipeline_value">{{PIPELINE_VALUE}}</p><p class="stat-sub">Open leads</p></div>
	<div class="stat"><p class="stat-label">Average call</p><p class="stat-value" data-stat="avg_duration">{{AVG_DURATION}}</p><p class="stat-sub">Answered calls, 30 days</p></div>
</div>
	<section class="card">
		<div class="card-header"><h2>Last 30 days</h2></div>
		<div class="chart">
			<div data-chart>{{>CHART}}</div>
			<ul class="chart-legend"><li><span class="legend-swatch legend-calls"></span>Calls</li><li><span class="legend-swatch legend-bookings"></span>Bookings</li></ul>
		</div>
	</section>
	<section class="card">
		<div class="card-header"><h2>Latest activity</h2></div>
		<div class="table-wrap">
			<table class="data">
				<thead><tr><th>When</th><th>What</th><th>Event</th></tr></thead>
				<tbody data-events>
				{{#EVENT}}<tr><td class="nowrap"><time datetime="{{EVENT_AT}}">{{EVENT_TIME}}</time></td><td><span class="badge {{EVENT_BADGE}}">{{EVENT_LABEL}}</span></td><td>{{#EVENT_LINK}}<a href="{{EVENT_HREF}}">{{EVENT_TITLE}}</a>{{/EVENT_LINK}}{{#EVENT_NO_LINK}}{{EVENT_TITLE}}{{/EVENT_NO_LINK}}<span class="sub">{{EVENT_DETAIL}}</span></td></tr>
				{{/EVENT}}
				{{#NO_EVENTS}}<tr><td colspan="3" class="muted">Nothing yet: calls, bookings, new leads and messages show up here as they happen.</td></tr>{{/NO_EVENTS}}
				</tbody>
			</table>
		</div>
	</section>
</div>
