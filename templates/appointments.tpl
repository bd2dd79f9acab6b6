{{%AUTOESCAPE context="HTML"}}
{{! appointments.tpl: upcoming and past appointments, each list paginated, with cancel and reschedule for open ones. }}
<div class="page-header">
	<h1>Appointments</h1>
	<p>Times are in {{TIMEZONE}}.</p>
</div>
{{#UPCOMING}}
<section class="section">
<h2>Upcoming</h2>
{{#EMPTY}}<div class="empty"><h3>Nothing booked yet</h3><p>Appointments the receptionist books show up here.</p></div>{{/EMPTY}}
{{#PAST_THE_END}}<div class="empty"><p>No more upcoming appointments. <a href="/appointments">Back to the first page</a></p></div>{{/PAST_THE_END}}
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
			<td>{{SERVICE}}</td>
			<td><span class="badge {{BADGE}}">{{STATUS}}</span></td>
			<td class="actions nowrap">{{#ACTIONS}}
				<a class="btn btn-small" href="/appointments/{{ID}}/reschedule">Reschedule</a>
				<form class="inline" method="post" action="/appointments/{{ID}}/cancel" data-confirm="Cancel this appointment?">
					<input type="hidden" name="csrf" value="{{CSRF}}">
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
{{#PAST_THE_END}}<div class="empty"><p>No more past appointments. <a href="/appointments">Back to the first page</a></p></div>{{/PAST_THE_END}}
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
			<td>{{SERVICE}}</td>
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
