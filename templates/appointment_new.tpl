{{%AUTOESCAPE context="HTML"}}
{{! appointment_new.tpl: book an appointment by hand: a lead or a new customer, service, resource and time; a closed or taken time says why and offers the nearest free ones. }}
<div class="page-header">
	<h1>New appointment</h1>
	<div class="actions"><a class="btn" href="/appointments">Back to appointments</a></div>
</div>
<div class="card form-narrow">
	<form method="post" action="/appointments/new" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		{{! The first submit button is the one Enter presses: the plain Book, not an offered time. }}
		<button class="visually-hidden" type="submit" tabindex="-1" aria-hidden="true">Book</button>
		<div class="field {{LEAD_ID_CLASS}}">
			<label for="lead_id">Customer</label>
			<select id="lead_id" name="lead_id">
				<option value="">A new customer (below)</option>
				{{#LEAD_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/LEAD_OPTION}}
			</select>
			<p class="help">One of your leads, or a new customer: then their name and phone.</p>
		</div>
		<fieldset>
			<legend>New customer</legend>
			<div class="field-row">
				<div class="field {{NAME_CLASS}}">
					<label for="name">Name</label>
					<input id="name" name="name" type="text" maxlength="200" autocomplete="off" value="{{NAME_VALUE}}"{{#NAME_ERROR}} aria-invalid="true"{{/NAME_ERROR}}>
					{{#NAME_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/NAME_ERROR}}
				</div>
				<div class="field {{PHONE_CLASS}}">
					<label for="phone">Phone</label>
					<input id="phone" name="phone" type="tel" autocomplete="off" placeholder="+1 555 010 0199" value="{{PHONE_VALUE}}"{{#PHONE_ERROR}} aria-invalid="true"{{/PHONE_ERROR}}>
					{{#PHONE_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/PHONE_ERROR}}
				</div>
			</div>
		</fieldset>
		<div class="field-row">
			<div class="field {{SERVICE_ID_CLASS}}">
				<label for="service_id">Service</label>
				<select id="service_id" name="service_id">
					<option value="">No particular service</option>
					{{#SERVICE_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/SERVICE_OPTION}}
				</select>
			</div>
			<div class="field {{MINUTES_CLASS}}">
				<label for="minutes">Length (minutes)</label>
				<input id="minutes" name="minutes" type="number" min="5" max="1440" step="5" value="{{MINUTES_VALUE}}">
				<p class="help">Without a service; a service takes its own length.</p>
				{{#MINUTES_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/MINUTES_ERROR}}
			</div>
		</div>
		{{#RESOURCES}}
		<div class="field {{RESOURCE_ID_CLASS}}">
			<label for="resource_id">With</label>
			<select id="resource_id" name="resource_id">
				<option value="">Anyone free</option>
				{{#RESOURCE_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/RESOURCE_OPTION}}
			</select>
			{{#RESOURCE_ID_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/RESOURCE_ID_ERROR}}
		</div>
		{{/RESOURCES}}
		<div class="field-row">
			<div class="field {{DATE_CLASS}}">
				<label for="date">Date</label>
				<input id="date" name="date" type="date" placeholder="{{TOMORROW}}" value="{{DATE_VALUE}}"{{#DATE_ERROR}} aria-invalid="true"{{/DATE_ERROR}}>
				{{#DATE_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/DATE_ERROR}}
			</div>
			<div class="field {{TIME_CLASS}}">
				<label for="time">Start time</label>
				<input id="time" name="time" type="time" value="{{TIME_VALUE}}"{{#TIME_ERROR}} aria-invalid="true"{{/TIME_ERROR}}>
				<p class="help">In {{TIMEZONE}}.</p>
				{{#TIME_ERROR}}<p class="field-error" role="alert">{{MESSAGE}}</p>{{/TIME_ERROR}}
				{{#FREE_STARTS}}
				<div class="free-starts">
					<p class="small">Nearest free times:</p>
					{{#SLOT}}<button class="btn btn-small" type="submit" name="slot" value="{{VALUE}}">{{LABEL}}{{#WITH_RESOURCE}} · {{RESOURCE_NAME}}{{/WITH_RESOURCE}}</button>
					{{/SLOT}}
				</div>
				{{/FREE_STARTS}}
				{{#NO_FREE_STARTS}}<p class="help">No free time of this length near it.</p>{{/NO_FREE_STARTS}}
			</div>
		</div>
		<div class="form-actions">
			<button class="btn btn-primary" type="submit">Book</button>
			<a class="btn" href="/appointments">Cancel</a>
		</div>
	</form>
</div>
