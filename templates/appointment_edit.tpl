{{%AUTOESCAPE context="HTML"}}
{{! appointment_edit.tpl: move one appointment to a new date, time and resource (same length); a closed or taken time says why and offers the nearest free ones. }}
<div class="page-header">
	<h1>Move appointment</h1>
	<div class="actions"><a class="btn" href="/appointments">Back to appointments</a></div>
</div>
<div class="card form-narrow">
	<dl class="details">
		<dt>Customer</dt><dd>{{CUSTOMER}}{{#LEAD}} · <a href="/leads/{{LEAD_ID}}">Lead</a>{{/LEAD}}{{#CALL}} · <a href="/calls/{{CALL_ID}}">The call</a>{{/CALL}}</dd>
		<dt>Service</dt><dd>{{SERVICE}}</dd>
		<dt>With</dt><dd>{{RESOURCE}}</dd>
		<dt>Now booked for</dt><dd>{{CURRENT}}</dd>
		<dt>Length</dt><dd>{{MINUTES}} min</dd>
	</dl>
	<form method="post" action="/appointments/{{ID}}/reschedule" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field-row">
			<div class="field {{DATE_CLASS}}">
				<label for="date">New date</label>
				<input id="date" name="date" type="date" value="{{DATE_VALUE}}" required{{#DATE_ERROR}} aria-invalid="true"{{/DATE_ERROR}}>
				{{#DATE_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/DATE_ERROR}}
			</div>
			<div class="field {{TIME_CLASS}}">
				<label for="time">New start time</label>
				<input id="time" name="time" type="time" value="{{TIME_VALUE}}" required{{#TIME_ERROR}} aria-invalid="true"{{/TIME_ERROR}}>
				<p class="help">In {{TIMEZONE}}. The appointment keeps its length.</p>
				{{#TIME_ERROR}}<p class="field-error" role="alert">{{MESSAGE}}</p>{{/TIME_ERROR}}
				{{#FREE_STARTS}}
				<div class="free-starts">
					<p class="small">Nearest free times:</p>
					{{#SLOT}}<button class="btn btn-small" type="submit" form="free-start" name="slot" value="{{VALUE}}">{{LABEL}}{{#WITH_RESOURCE}} · {{RESOURCE_NAME}}{{/WITH_RESOURCE}}</button>
					{{/SLOT}}
				</div>
				{{/FREE_STARTS}}
				{{#NO_FREE_STARTS}}<p class="help">No free time of this length near it.</p>{{/NO_FREE_STARTS}}
			</div>
		</div>
		{{#RESOURCES}}
		<div class="field {{RESOURCE_ID_CLASS}}">
			<label for="resource_id">With</label>
			<select id="resource_id" name="resource_id">
				<option value="">The same, or any free one</option>
				{{#RESOURCE_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/RESOURCE_OPTION}}
			</select>
			{{#RESOURCE_ID_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/RESOURCE_ID_ERROR}}
		</div>
		{{/RESOURCES}}
		<div class="form-actions">
			<button class="btn btn-primary" type="submit">Move</button>
			<a class="btn" href="/appointments">Keep the current time</a>
		</div>
	</form>
	{{#FREE_STARTS}}
	<form id="free-start" method="post" action="/appointments/{{ID}}/reschedule">
		<input type="hidden" name="csrf" value="{{CSRF}}">
	</form>
	{{/FREE_STARTS}}
</div>
