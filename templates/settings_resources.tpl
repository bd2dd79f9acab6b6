{{%AUTOESCAPE context="HTML"}}
{{! settings_resources.tpl: the resources bookings take (people, rooms, vehicles, equipment): the list and a form to add one. }}
<div class="page-header"><h1>Resources</h1><p>Who or what an appointment takes: a stylist, a chair, a van. Each books one appointment at a time.</p></div>
{{>SETTINGS_NAV}}
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can change settings.</p>{{/READ_ONLY}}
<div class="card">
	<div class="table-wrap">
		<table class="data">
			<thead><tr><th>Name</th><th>Kind</th><th>Hours</th><th class="num">Services</th><th>State</th></tr></thead>
			<tbody>
			{{#RESOURCE}}
				<tr>
					<td><a href="/settings/resources/{{ID}}">{{NAME}}</a></td>
					<td>{{KIND}}</td>
					<td>{{HOURS}}</td>
					<td class="num">{{SERVICES}}</td>
					<td><span class="badge {{STATE_BADGE}}">{{STATE_LABEL}}</span></td>
				</tr>
			{{/RESOURCE}}
			</tbody>
		</table>
	</div>
</div>
<div class="card form-narrow">
	<div class="card-header"><h2>Add a resource</h2></div>
	<form method="post" action="/settings/resources" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field-row">
			<div class="field {{NAME_CLASS}}">
				<label for="name">Name</label>
				<input id="name" name="name" type="text" maxlength="200" value="{{NAME_VALUE}}"{{#NAME_ERROR}} aria-invalid="true"{{/NAME_ERROR}}>
				{{#NAME_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/NAME_ERROR}}
			</div>
			<div class="field {{KIND_CLASS}}">
				<label for="kind">Kind</label>
				<select id="kind" name="kind">{{#KIND_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/KIND_OPTION}}</select>
				{{#KIND_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/KIND_ERROR}}
			</div>
		</div>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Add resource</button></div>
	</form>
</div>
