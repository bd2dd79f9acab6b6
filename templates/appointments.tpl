{{%AUTOESCAPE context="HTML"}}
{{! appointments.tpl: the appointments page: a week or a day (per resource, or every resource side by side), or the upcoming and past lists; move, cancel and no-show on open ones. Works without JavaScript and at 375 px. }}
<div class="page-header">
	<div>
		<h1>Appointments</h1>
		<p>Times are in {{TIMEZONE}}.</p>
	</div>
	<div class="actions"><a class="btn btn-primary" href="/appointments/new">New appointment</a></div>
</div>
<nav class="cal-views settings-nav" aria-label="Views">
	<a class="{{#DAY_ON}}active{{/DAY_ON}}" href="/appointments?view=day&amp;date={{DATE:u}}&amp;resource={{RESOURCE_ID:u}}"{{#DAY_ON}} aria-current="page"{{/DAY_ON}}>Day</a>
	<a class="{{#WEEK_ON}}active{{/WEEK_ON}}" href="/appointments?view=week&amp;date={{DATE:u}}&amp;resource={{RESOURCE_ID:u}}"{{#WEEK_ON}} aria-current="page"{{/WEEK_ON}}>Week</a>
	<a class="{{#LIST_ON}}active{{/LIST_ON}}" href="/appointments?view=list"{{#LIST_ON}} aria-current="page"{{/LIST_ON}}>List</a>
</nav>
{{#CALENDAR}}
<div class="cal-bar">
	<div class="cal-step">
		<a class="btn btn-small" href="{{PREV_HREF}}" rel="prev" aria-label="Previous">‹</a>
		<a class="btn btn-small" href="{{TODAY_HREF}}">Today</a>
		<a class="btn btn-small" href="{{NEXT_HREF}}" rel="next" aria-label="Next">›</a>
		<h2 class="cal-title" id="cal-title">{{RANGE_TITLE}}</h2>
	</div>
	<form class="filters cal-filter" method="get" action="/appointments">
		<input type="hidden" name="view" value="{{VIEW}}">
		<div><label for="cal-date">Date</label><input id="cal-date" name="date" type="date" value="{{DATE}}"></div>
		{{#MANY_RESOURCES}}
		<div><label for="cal-resource">Resource</label>
			<select id="cal-resource" name="resource">
				<option value="">All resources</option>
				{{#RESOURCE_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/RESOURCE_OPTION}}
			</select>
		</div>
		{{/MANY_RESOURCES}}
		<div><button class="btn" type="submit">Show</button></div>
	</form>
</div>
<div class="cal {{CAL_CLASS}}" aria-labelledby="cal-title">
	{{#COLUMN}}
	<section class="cal-col {{TODAY_CLASS}}">
		<header class="cal-col-head">
			<h3>{{#DAY_LINK}}<a href="{{DAY_HREF}}">{{HEADING}}</a>{{/DAY_LINK}}{{#NO_DAY_LINK}}{{HEADING}}{{/NO_DAY_LINK}}</h3>
			{{#HOURS}}<p class="cal-hours">{{HOURS_TEXT}}</p>{{/HOURS}}
			{{#CLOSED_DAY}}<p class="cal-hours cal-closed">Closed</p>{{/CLOSED_DAY}}
			{{#CLOSED}}<p class="cal-hours cal-closed">Closed: {{CLOSED_REASON}}</p>{{/CLOSED}}
		</header>
		{{#NOTHING}}<p class="cal-empty">Nothing booked</p>{{/NOTHING}}
		<ol class="cal-items">
		{{#APPT}}
			<li class="appt appt-{{STATUS_VALUE}}" id="appt-{{ID}}">
				<p class="appt-time">{{STARTS}} – {{ENDS}}</p>
				<p class="appt-who">{{#LEAD}}<a href="/leads/{{LEAD_ID}}">{{CUSTOMER}}</a>{{/LEAD}}{{#NO_LEAD}}{{CUSTOMER}}{{/NO_LEAD}} <span class="appt-phone">{{PHONE}}</span></p>
				<p class="appt-what">{{#SERVICE}}{{SERVICE_NAME}}{{/SERVICE}}{{#RESOURCE}} <span class="appt-resource">· {{RESOURCE_NAME}}</span>{{/RESOURCE}}</p>
				<p class="appt-status"><span class="badge {{STATUS_BADGE}}">{{STATUS_LABEL}}</span>{{#CALL}} <a href="/calls/{{CALL_ID}}">The call</a>{{/CALL}}</p>
				{{#ACTIONS}}
				<div class="appt-actions">
					<a class="btn btn-small" href="/appointments/{{ID}}/reschedule">Move</a>
					<form class="inline" method="post" action="/appointments/{{ID}}/cancel" data-confirm="Cancel this appointment?">
						<input type="hidden" name="csrf" value="{{CSRF}}"><input type="hidden" name="back" value="{{BACK}}">
						<button class="btn btn-small" type="submit">Cancel</button>
					</form>
					{{#NO_SHOW}}
					<form class="inline" method="post" action="/appointments/{{ID}}/no-show">
						<input type="hidden" name="csrf" value="{{CSRF}}"><input type="hidden" name="back" value="{{BACK}}">
						<button class="btn btn-small" type="submit">No-show</button>
					</form>
					{{/NO_SHOW}}
				</div>
				{{/ACTIONS}}
			</li>
		{{/APPT}}
		</ol>
	</section>
	{{/COLUMN}}
</div>
{{/CALENDAR}}
{{#UPCOMING}}
<section class="section">
<h2>Upcoming</h2>
{{#EMPTY}}<div class="empty"><h3>Nothing booked yet</h3><p>Appointments the receptionist books show up here.</p></div>{{/EMPTY}}
{{#PAST_THE_END}}<div class="empty"><p>No more upcoming appointments. <a href="/appointments?view=list">Back to the first page</a></p></div>{{/PAST_THE_END}}
{{#TABLE}}
<div class="card">
<div class="table-wrap">
<table class="data">
	<thead><tr><th>When</th><th>Customer</th><th>Service</th><th>Status</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
	<tbody>
	{{#APPOINTMENT}}
		<tr>
			<td class="nowrap">{{DATE}}<span class="sub">{{STARTS}} – {{ENDS}}</span></td>
			<td>{{#LEAD}}<a href="/leads/{{LEAD_ID}}">{{CUSTOMER}}</a>{{/LEAD}}{{#NO_LEAD}}{{CUSTOMER}}{{/NO_LEAD}}<span class="sub">{{PHONE}}</span></td>
			<td>{{SERVICE}}<span class="sub">{{RESOURCE}}</span></td>
			<td><span class="badge {{BADGE}}">{{STATUS}}</span></td>
			<td class="actions nowrap">{{#ACTIONS}}
				<a class="btn btn-small" href="/appointments/{{ID}}/reschedule">Reschedule</a>
				<form class="inline" method="post" action="/appointments/{{ID}}/cancel" data-confirm="Cancel this appointment?">
					<input type="hidden" name="csrf" value="{{CSRF}}"><input type="hidden" name="back" value="{{BACK}}">
					<button class="btn btn-small btn-danger" type="submit">Cancel</button>
				</form>
			{{/ACTIONS}}</td>
		</tr>
	{{/APPOINTMENT}}
	</tbody>
</table>
</div>
</div>
{{/TABLE}}
{{#PAGES}}
<nav class="pagination" aria-label="Upcoming appointments pages">
	{{#PREV}}<a href="{{HREF}}" rel="prev">Previous</a>{{/PREV}}{{#NO_PREV}}<span class="disabled">Previous</span>{{/NO_PREV}}
	<span class="page-info">Page {{PAGE}}</span>
	{{#NEXT}}<a href="{{HREF}}" rel="next">Next</a>{{/NEXT}}{{#NO_NEXT}}<span class="disabled">Next</span>{{/NO_NEXT}}
</nav>
{{/PAGES}}
</section>
{{/UPCOMING}}
{{#PAST}}
<section class="section">
<h2>Past</h2>
{{#EMPTY}}<div class="empty"><p>No past appointments.</p></div>{{/EMPTY}}
{{#PAST_THE_END}}<div class="empty"><p>No more past appointments. <a href="/appointments?view=list">Back to the first page</a></p></div>{{/PAST_THE_END}}
{{#TABLE}}
<div class="card">
<div class="table-wrap">
<table class="data">
	<thead><tr><th>When</th><th>Customer</th><th>Service</th><th>Status</th></tr></thead>
	<tbody>
	{{#APPOINTMENT}}
		<tr>
			<td class="nowrap">{{DATE}}<span class="sub">{{STARTS}} – {{ENDS}}</span></td>
			<td>{{#LEAD}}<a href="/leads/{{LEAD_ID}}">{{CUSTOMER}}</a>{{/LEAD}}{{#NO_LEAD}}{{CUSTOMER}}{{/NO_LEAD}}<span class="sub">{{PHONE}}</span></td>
			<td>{{SERVICE}}<span class="sub">{{RESOURCE}}</span></td>
			<td><span class="badge {{BADGE}}">{{STATUS}}</span></td>
		</tr>
	{{/APPOINTMENT}}
	</tbody>
</table>
</div>
</div>
{{/TABLE}}
{{#PAGES}}
<nav class="pagination" aria-label="Past appointments pages">
	{{#PREV}}<a href="{{HREF}}" rel="prev">Previous</a>{{/PREV}}{{#NO_PREV}}<span class="disabled">Previous</span>{{/NO_PREV}}
	<span class="page-info">Page {{PAGE}}</span>
	{{#NEXT}}<a href="{{HREF}}" rel="next">Next</a>{{/NEXT}}{{#NO_NEXT}}<span class="disabled">Next</span>{{/NO_NEXT}}
</nav>
{{/PAGES}}
</section>
{{/PAST}}
