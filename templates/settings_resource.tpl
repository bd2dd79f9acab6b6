{{%AUTOESCAPE context="HTML"}}
{{! settings_resource.tpl: one resource: name, kind, its hours per weekday with breaks (or the business's), the services it can do, and switching it off or on. }}
<div class="page-header"><h1>{{TITLE_NAME}}</h1><div class="actions"><a class="btn" href="/settings/resources">All resources</a></div></div>
{{>SETTINGS_NAV}}
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can change settings.</p>{{/READ_ONLY}}
<div class="card form-narrow">
	<form method="post" action="/settings/resources/{{ID}}" novalidate>
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
		<fieldset>
			<legend>Hours</legend>
			<div class="field-check"><input id="hours-business" name="hours_mode" type="radio" value="business"{{#BUSINESS_HOURS}} checked{{/BUSINESS_HOURS}}><label for="hours-business">The business's hours (<a href="/settings/hours">Hours</a>)</label></div>
			<div class="field-check"><input id="hours-own" name="hours_mode" type="radio" value="own"{{#OWN_HOURS}} checked{{/OWN_HOURS}}><label for="hours-own">Its own hours, below</label></div>
			{{#DAY}}
			<div class="field {{SPANS_CLASS}}">
				<label for="{{KEY}}_spans">{{LABEL}}</label>
				<input id="{{KEY}}_spans" name="{{KEY}}_spans" type="text" placeholder="09:00-12:00, 13:00-17:00" value="{{SPANS_VALUE}}"{{#SPANS_ERROR}} aria-invalid="true"{{/SPANS_ERROR}}>
				{{#SPANS_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/SPANS_ERROR}}
			</div>
			{{/DAY}}
			<p class="help">Times in the business's time zone. A gap between two spans is a break; an empty day is a day off. With the business's hours these show them, to start from.</p>
		</fieldset>
		<fieldset class="field {{SERVICES_CLASS}}">
			<legend>Services it can do</legend>
			{{#SERVICE}}
			<div class="field-check"><input id="service-{{SERVICE_ID}}" name="service" type="checkbox" value="{{SERVICE_ID}}"{{#CHECKED}} checked{{/CHECKED}}><label for="service-{{SERVICE_ID}}">{{SERVICE_NAME}}</label></div>
			{{/SERVICE}}
			{{#NO_SERVICES}}<p class="help">No services yet. <a href="/services/new">Add one</a></p>{{/NO_SERVICES}}
			{{#SERVICES_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/SERVICES_ERROR}}
		</fieldset>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Save</button></div>
	</form>
	{{#ACTIVE}}
	<form method="post" action="/settings/resources/{{ID}}/deactivate" data-confirm="Take no new bookings for this resource?">
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<p class="help">An inactive resource takes no new bookings; its appointments stay.</p>
		<button class="btn" type="submit">Deactivate</button>
	</form>
	{{/ACTIVE}}
	{{#INACTIVE}}
	<form method="post" action="/settings/resources/{{ID}}/activate">
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<p class="help">Inactive: it takes no new bookings.</p>
		<button class="btn" type="submit">Activate</button>
	</form>
	{{/INACTIVE}}
</div>
