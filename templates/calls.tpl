{{%AUTOESCAPE context="HTML"}}
{{! calls.tpl: every call of the business, newest first, with filters and pages. }}
<div class="page-header">
	<h1>Calls</h1>
	<p data-live-region="calls-count" data-live-on="call">{{COUNT_TEXT}}</p>
</div>
<form class="filters" method="get" action="/calls" novalidate>
	<div class="field {{FROM_CLASS}}">
		<label for="from">From</label>
		<input id="from" name="from" type="date" value="{{FROM_VALUE}}"{{#FROM_ERROR}} aria-invalid="true"{{/FROM_ERROR}}>
		{{#FROM_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/FROM_ERROR}}
	</div>
	<div class="field {{TO_CLASS}}">
		<label for="to">To</label>
		<input id="to" name="to" type="date" value="{{TO_VALUE}}"{{#TO_ERROR}} aria-invalid="true"{{/TO_ERROR}}>
		{{#TO_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/TO_ERROR}}
	</div>
	<div class="field {{STATUS_CLASS}}">
		<label for="status">Status</label>
		<select id="status" name="status"{{#STATUS_ERROR}} aria-invalid="true"{{/STATUS_ERROR}}>
			<option value="">Any status</option>
			{{#STATUS_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>
			{{/STATUS_OPTION}}
		</select>
		{{#STATUS_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/STATUS_ERROR}}
	</div>
	<div class="field {{DIRECTION_CLASS}}">
		<label for="direction">Direction</label>
		<select id="direction" name="direction"{{#DIRECTION_ERROR}} aria-invalid="true"{{/DIRECTION_ERROR}}>
			<option value="">Both</option>
			<option value="inbound"{{#INBOUND_SELECTED}} selected{{/INBOUND_SELECTED}}>Inbound</option>
			<option value="outbound"{{#OUTBOUND_SELECTED}} selected{{/OUTBOUND_SELECTED}}>Outbound</option>
		</select>
		{{#DIRECTION_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/DIRECTION_ERROR}}
	</div>
	<div class="field {{BOOKED_CLASS}}">
		<label for="booked">Booked</label>
		<select id="booked" name="booked"{{#BOOKED_ERROR}} aria-invalid="true"{{/BOOKED_ERROR}}>
			<option value="">Either</option>
			<option value="yes"{{#BOOKED_YES_SELECTED}} selected{{/BOOKED_YES_SELECTED}}>Booked</option>
			<option value="no"{{#BOOKED_NO_SELECTED}} selected{{/BOOKED_NO_SELECTED}}>Not booked</option>
		</select>
		{{#BOOKED_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/BOOKED_ERROR}}
	</div>
	<button class="btn" type="submit">Filter</button>
	{{#FILTERED}}<a class="btn btn-link" href="/calls">Clear filters</a>{{/FILTERED}}
</form>
<div data-live-region="calls" data-live-on="call">
{{#PAGE_ERROR}}<p class="flash flash-error">{{MESSAGE}}</p>{{/PAGE_ERROR}}
{{#INVALID}}
<div class="empty">
	<h2>Check the filters</h2>
	<p>Correct the values marked above to see the calls.</p>
	<a class="btn" href="/calls">Show all calls</a>
</div>
{{/INVALID}}
{{#NO_CALLS}}
<div class="empty">
	<h2>No calls yet</h2>
	<p>Calls your receptionist answers or makes appear here as they happen.</p>
</div>
{{/NO_CALLS}}
{{#NO_MATCH}}
<div class="empty">
	<h2>No calls match these filters</h2>
	<p>Widen the dates or choose fewer filters.</p>
	<a class="btn" href="/calls">Clear filters</a>
</div>
{{/NO_MATCH}}
{{#PAST_END}}
<div class="empty">
	<h2>This page is past the last one</h2>
	<p>There are fewer calls than that for these filters.</p>
	<a class="btn" href="{{FIRST_URL}}">Go to the first page</a>
</div>
{{/PAST_END}}
{{#LIST}}
<div class="card">
	<div class="table-wrap">
		<table class="data">
			<thead>
				<tr>
					<th>When</th>
					<th>Caller</th>
					<th>Direction</th>
					<th>Status</th>
					<th class="num">Duration</th>
					<th>Booked</th>
					<th class="num">Value</th>
				</tr>
			</thead>
			<tbody>
				{{#CALL}}
				<tr>
					<td class="nowrap"><a href="/calls/{{ID}}">{{DAY}}</a><span class="sub">{{TIME}}</span></td>
					<td>{{#LEAD_NAME}}{{NAME}}<span class="sub">{{PARTY}}</span>{{/LEAD_NAME}}{{#NO_LEAD_NAME}}{{PARTY}}{{/NO_LEAD_NAME}}</td>
					<td>{{DIRECTION}}</td>
					<td><span class="badge {{STATUS_BADGE}}">{{STATUS_LABEL}}</span></td>
					<td class="num">{{DURATION}}</td>
					<td>{{#BOOKED}}<span class="badge badge-booked">Booked</span>{{/BOOKED}}</td>
					<td class="num">{{VALUE}}</td>
				</tr>
				{{/CALL}}
			</tbody>
		</table>
	</div>
</div>
{{/LIST}}
{{#PAGINATION}}
<nav class="pagination" aria-label="Pages">
	{{#PREV}}<a href="{{URL}}" rel="prev">Previous</a>{{/PREV}}{{#NO_PREV}}<span class="disabled">Previous</span>{{/NO_PREV}}
	<span class="page-info">{{PAGE_INFO}}</span>
	{{#NEXT}}<a href="{{URL}}" rel="next">Next</a>{{/NEXT}}{{#NO_NEXT}}<span class="disabled">Next</span>{{/NO_NEXT}}
</nav>
{{/PAGINATION}}
</div>
