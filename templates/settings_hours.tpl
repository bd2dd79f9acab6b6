{{%AUTOESCAPE context="HTML"}}
{{! settings_hours.tpl: opening hours per weekday, local to the business's time zone, and the booking window: minimum notice and how far ahead. }}
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
				<div class="field {{BREAK_CLASS}}">
					<label for="{{KEY}}_break_from">Break (optional)</label>
					<input id="{{KEY}}_break_from" name="{{KEY}}_break_from" type="time" value="{{BREAK_FROM_VALUE}}" aria-label="{{LABEL}}: break starts">
					<input id="{{KEY}}_break_to" name="{{KEY}}_break_to" type="time" value="{{BREAK_TO_VALUE}}" aria-label="{{LABEL}}: break ends">
					{{#BREAK_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/BREAK_ERROR}}
				</div>
			</div>
		</fieldset>
		{{/DAY}}
		<p class="help">Times are in the business's time zone. Untick "Open" for a day you are closed. A break (lunch) is not booked.</p>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Save hours</button></div>
	</form>
</div>
<div class="card form-narrow" id="booking-window">
	<div class="card-header"><h2>Booking window</h2></div>
	{{#WINDOW_ERRORS}}<p class="flash flash-error" role="alert">The booking window needs fixing; nothing was saved.</p>{{/WINDOW_ERRORS}}
	<form method="post" action="/settings/hours/booking" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field-row">
			<div class="field {{NOTICE_MINUTES_CLASS}}">
				<label for="notice_minutes">Minimum notice (minutes)</label>
				<input id="notice_minutes" name="notice_minutes" type="number" min="0" max="43200" value="{{NOTICE_MINUTES_VALUE}}"{{#NOTICE_MINUTES_ERROR}} aria-invalid="true"{{/NOTICE_MINUTES_ERROR}}>
				<p class="help">Nothing is booked sooner than this from now. 120 is two hours.</p>
				{{#NOTICE_MINUTES_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/NOTICE_MINUTES_ERROR}}
			</div>
			<div class="field {{HORIZON_DAYS_CLASS}}">
				<label for="horizon_days">Booking horizon (days)</label>
				<input id="horizon_days" name="horizon_days" type="number" min="1" max="730" value="{{HORIZON_DAYS_VALUE}}"{{#HORIZON_DAYS_ERROR}} aria-invalid="true"{{/HORIZON_DAYS_ERROR}}>
				<p class="help">Nothing is booked further ahead than this.</p>
				{{#HORIZON_DAYS_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/HORIZON_DAYS_ERROR}}
			</div>
		</div>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Save booking window</button></div>
	</form>
	<p class="help">Closed dates and holidays: <a href="/settings/closures">Closed dates</a>. Hours of each person or room: <a href="/settings/resources">Resources</a>.</p>
</div>
