{{%AUTOESCAPE context="HTML"}}
{{! settings_closures.tpl: closed dates and holidays (the whole business or one resource, whole days or part of one), with a reason; nothing is booked in them. }}
<div class="page-header"><h1>Closed dates</h1><p>Holidays, closures and days off. Nobody can book in them, and the receptionist says why.</p></div>
{{>SETTINGS_NAV}}
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can change settings.</p>{{/READ_ONLY}}
<div class="card">
	{{#NO_CLOSURES}}<p class="muted">No closed dates ahead.</p>{{/NO_CLOSURES}}
	{{#HAS_CLOSURES}}
	<div class="table-wrap">
		<table class="data">
			<thead><tr><th>From</th><th>Until</th><th>Who</th><th>Reason</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
			<tbody>
			{{#CLOSURE}}
				<tr>
					<td>{{STARTS}}</td><td>{{ENDS}}</td><td>{{WHO}}</td><td class="break">{{REASON}}</td>
					<td class="actions"><form class="inline" method="post" action="/settings/closures/{{ID}}/delete" data-confirm="Remove this closed date?"><input type="hidden" name="csrf" value="{{CSRF}}"><button class="btn btn-small" type="submit">Remove</button></form></td>
				</tr>
			{{/CLOSURE}}
			</tbody>
		</table>
	</div>
	{{/HAS_CLOSURES}}
</div>
<div class="card form-narrow">
	<div class="card-header"><h2>Add a closed date</h2></div>
	<form method="post" action="/settings/closures" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		{{#RESOURCES}}
		<div class="field">
			<label for="resource_id">Who is closed</label>
			<select id="resource_id" name="resource_id">
				<option value="">The whole business</option>
				{{#RESOURCE_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/RESOURCE_OPTION}}
			</select>
		</div>
		{{/RESOURCES}}
		<div class="field-row">
			<div class="field {{FIRST_DAY_CLASS}}">
				<label for="first_day">First day</label>
				<input id="first_day" name="first_day" type="date" value="{{FIRST_DAY_VALUE}}"{{#FIRST_DAY_ERROR}} aria-invalid="true"{{/FIRST_DAY_ERROR}}>
				{{#FIRST_DAY_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/FIRST_DAY_ERROR}}
			</div>
			<div class="field {{LAST_DAY_CLASS}}">
				<label for="last_day">Last day</label>
				<input id="last_day" name="last_day" type="date" value="{{LAST_DAY_VALUE}}"{{#LAST_DAY_ERROR}} aria-invalid="true"{{/LAST_DAY_ERROR}}>
				<p class="help">Empty: the first day only.</p>
				{{#LAST_DAY_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/LAST_DAY_ERROR}}
			</div>
		</div>
		<div class="field-row">
			<div class="field {{FROM_TIME_CLASS}}">
				<label for="from_time">From (optional)</label>
				<input id="from_time" name="from_time" type="time" value="{{FROM_TIME_VALUE}}">
				{{#FROM_TIME_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/FROM_TIME_ERROR}}
			</div>
			<div class="field {{TO_TIME_CLASS}}">
				<label for="to_time">Until (optional)</label>
				<input id="to_time" name="to_time" type="time" value="{{TO_TIME_VALUE}}">
				{{#TO_TIME_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/TO_TIME_ERROR}}
			</div>
		</div>
		<p class="help">Without times the closure takes whole days. Times are in the business's time zone.</p>
		<div class="field {{REASON_CLASS}}">
			<label for="reason">Reason</label>
			<input id="reason" name="reason" type="text" maxlength="200" placeholder="Christmas" value="{{REASON_VALUE}}">
			<p class="help">Callers hear it: "We're closed on December 25 for Christmas."</p>
			{{#REASON_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/REASON_ERROR}}
		</div>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Add closed date</button></div>
	</form>
</div>
