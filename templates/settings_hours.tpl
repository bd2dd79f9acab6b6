{{%AUTOESCAPE context="HTML"}}
{{! settings_hours.tpl: opening hours per weekday, local to the business's time zone. }}
<div class="page-header"><h1>Business hours</h1><p>When you are open. The receptionist books and answers "are you open?" from these.</p></div>
{{>SETTINGS_NAV}}
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can change settings.</p>{{/READ_ONLY}}
<div class="card">
	<div class="card-header"><h2>Opening hours</h2></div>
	{{#HAS_ERRORS}}<p class="flash flash-error" role="alert">Some days need fixing; nothing was saved.</p>{{/HAS_ERRORS}}
	<form method="post" action="/settings/hours" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		{{#DAY}}
		<fieldset class="hours-day">
			<legend>{{LABEL}}</legend>
			<div class="field-row">
				<div class="field field-check">
					<input id="{{KEY}}_open" name="{{KEY}}_open" type="checkbox" value="1" {{#OPEN}}checked{{/OPEN}}>
					<label for="{{KEY}}_open">Open</label>
				</div>
				<div class="field {{FROM_CLASS}}">
					<label for="{{KEY}}_from">From</label>
					<input id="{{KEY}}_from" name="{{KEY}}_from" type="time" value="{{FROM_VALUE}}">
					{{#FROM_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/FROM_ERROR}}
				</div>
				<div class="field {{TO_CLASS}}">
					<label for="{{KEY}}_to">To</label>
					<input id="{{KEY}}_to" name="{{KEY}}_to" type="time" value="{{TO_VALUE}}">
					{{#TO_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/TO_ERROR}}
				</div>
			</div>
		</fieldset>
		{{/DAY}}
		<p class="help">Times are in the business's time zone. Untick "Open" for a day you are closed.</p>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Save hours</button></div>
	</form>
</div>
