{{%AUTOESCAPE context="HTML"}}
{{! lead.tpl: one lead: details, status, notes, call-back and text actions with their progress, and its calls, appointments and messages. }}
<div class="page-header">
	<h1>{{TITLE_NAME}}</h1>
	<p data-live-region="lead-badges" data-live-on="lead" data-live-id="{{ID}}"><span class="mono">{{PHONE}}</span> <span class="badge {{STATUS_BADGE}}" id="lead-status">{{STATUS_LABEL}}</span>{{#HAS_TEMPERATURE}} <span class="badge {{TEMPERATURE_BADGE}}">{{TEMPERATURE_LABEL}}</span>{{/HAS_TEMPERATURE}}</p>
	<div class="actions"><a class="btn" href="/appointments/new?lead={{ID:u}}">Book an appointment</a> <a class="btn" href="/leads">All leads</a></div>
</div>
<div class="grid-2">
	<section class="card" data-live-region="lead-details" data-live-on="lead" data-live-id="{{ID}}">
		<div class="card-header"><h2>Details</h2></div>
		<dl class="details">
			<dt>Name</dt><dd>{{TITLE_NAME}}</dd>
			<dt>Phone</dt><dd class="mono">{{PHONE}}</dd>
			{{#HAS_EMAIL}}<dt>Email</dt><dd class="break">{{EMAIL}}</dd>{{/HAS_EMAIL}}
			{{#HAS_ADDRESS}}<dt>Address</dt><dd>{{ADDRESS}}</dd>{{/HAS_ADDRESS}}
			{{#HAS_SERVICE}}<dt>Service</dt><dd>{{SERVICE}}</dd>{{/HAS_SERVICE}}
			{{#HAS_SCORE}}<dt>Score</dt><dd>{{SCORE}} / 100</dd>{{/HAS_SCORE}}
			{{#HAS_VALUE}}<dt>Value</dt><dd>{{VALUE}}</dd>{{/HAS_VALUE}}
			{{#HAS_SUMMARY}}<dt>Summary</dt><dd class="break">{{SUMMARY}}</dd>{{/HAS_SUMMARY}}
			{{#HAS_ANALYSIS_NOTES}}<dt>From the calls</dt><dd class="break">{{ANALYSIS_NOTES}}</dd>{{/HAS_ANALYSIS_NOTES}}
			{{#HAS_LAST_CONTACTED}}<dt>Last contacted</dt><dd>{{LAST_CONTACTED}}</dd>{{/HAS_LAST_CONTACTED}}
			{{#HAS_NO_SHOWS}}<dt>Missed appointments</dt><dd id="lead-no-shows">{{NO_SHOWS}}</dd>{{/HAS_NO_SHOWS}}
			{{#HAS_CALLBACK_AT}}<dt>Call back at</dt><dd>{{CALLBACK_AT}}</dd>{{/HAS_CALLBACK_AT}}
			<dt>First seen</dt><dd>{{CREATED}}</dd>
			<dt>Updated</dt><dd>{{UPDATED}}</dd>
		</dl>
	</section>
	<section class="card">
		<div class="card-header"><h2>Work this lead</h2></div>
		<form method="post" action="/leads/{{ID}}/status" novalidate>
			<input type="hidden" name="csrf" value="{{CSRF}}">
			<div class="field {{STATUS_CLASS}}">
				<label for="status">Status</label>
				<select id="status" name="status"{{#STATUS_ERROR}} aria-invalid="true"{{/STATUS_ERROR}}>
					{{#STATUS_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/STATUS_OPTION}}
				</select>
				{{#STATUS_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/STATUS_ERROR}}
			</div>
			<div class="form-actions"><button class="btn" type="submit">Change status</button></div>
		</form>
		<form method="post" action="/leads/{{ID}}/callback" novalidate>
			<input type="hidden" name="csrf" value="{{CSRF}}">
			<div class="field {{CALLBACK_BODY_CLASS}}">
				<label for="callback_body">Call back about (optional)</label>
				<textarea id="callback_body" name="callback_body" maxlength="480"{{#CALLBACK_BODY_ERROR}} aria-invalid="true"{{/CALLBACK_BODY_ERROR}}>{{CALLBACK_BODY_VALUE}}</textarea>
				<p class="help">The receptionist calls {{PHONE}} back. At most 480 characters.</p>
				{{#CALLBACK_BODY_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/CALLBACK_BODY_ERROR}}
				{{#CALLBACK_PROBLEM}}<p class="field-error" id="callback-problem">{{PROBLEM}} <a href="{{FIX_URL}}">{{FIX_LABEL}}</a></p>{{/CALLBACK_PROBLEM}}
			</div>
			<div class="form-actions"><button class="btn" type="submit">Call back</button></div>
		</form>
		<form method="post" action="/leads/{{ID}}/sms" novalidate>
			<input type="hidden" name="csrf" value="{{CSRF}}">
			<div class="field {{SMS_BODY_CLASS}}">
				<label for="sms_body">Text message</label>
				<textarea id="sms_body" name="sms_body" maxlength="480"{{#SMS_BODY_ERROR}} aria-invalid="true"{{/SMS_BODY_ERROR}}>{{SMS_BODY_VALUE}}</textarea>
				{{#OPTED_OUT}}<p class="help">This number has opted out of text messages: nothing can be texted to it.</p>{{/OPTED_OUT}}
				<p class="help">At most 480 characters.</p>
				{{#SMS_BODY_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/SMS_BODY_ERROR}}
			</div>
			<div class="form-actions"><button class="btn btn-primary" type="submit">Send SMS</button></div>
		</form>
		<form method="post" action="/leads/{{ID}}/info" novalidate>
			<input type="hidden" name="csrf" value="{{CSRF}}">
			<div class="field">
				<label for="info_email">Send our information email to</label>
				<input id="info_email" name="email" type="email" value="{{EMAIL}}" placeholder="caller@example.com">
				<p class="help">The email you write under Settings, Notifications. The address is saved on the lead.</p>
			</div>
			<div class="form-actions"><button class="btn" type="submit">Send info</button></div>
		</form>
	</section>
</div>
<section class="card section" id="actions">
	<div class="card-header"><h2>Actions</h2></div>
	{{#NO_JOBS}}<p class="muted">No call-backs or text messages queued for this lead yet.</p>{{/NO_JOBS}}
	{{#HAS_JOBS}}
	<div class="table-wrap">
		<table class="data" id="jobs">
			<thead><tr><th>Action</th><th>Message</th><th>State</th><th>Requested</th></tr></thead>
			<tbody>
				{{#JOB}}
				<tr>
					<td class="nowrap">{{KIND_LABEL}}</td>
					<td class="break">{{BODY}}</td>
					<td><span class="badge {{STATE_BADGE}}">{{STATE_LABEL}}</span><span class="sub">{{DETAIL}}</span>{{#JOB_ERROR}}<span class="sub">Last error: {{LAST_ERROR}}</span>{{/JOB_ERROR}}{{#JOB_CALL}}<span class="sub">Call: <a href="/calls/{{CALL_ID}}"><span class="badge {{CALL_BADGE}}" data-call-status="{{CALL_STATUS}}">{{CALL_STATUS_LABEL}}</span></a>{{#CALL_ENDED_REASON}} {{ENDED_REASON}}{{/CALL_ENDED_REASON}}</span>{{/JOB_CALL}}</td>
					<td class="nowrap">{{CREATED}}</td>
				</tr>
				{{/JOB}}
			</tbody>
		</table>
	</div>
	{{/HAS_JOBS}}
</section>
<section class="card section" id="notes">
	<div class="card-header"><h2>Notes</h2></div>
	<form method="post" action="/leads/{{ID}}/notes" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field {{NOTE_BODY_CLASS}}">
			<label for="note_body">Add a note</label>
			<textarea id="note_body" name="note_body" maxlength="2000"{{#NOTE_BODY_ERROR}} aria-invalid="true"{{/NOTE_BODY_ERROR}}>{{NOTE_BODY_VALUE}}</textarea>
			{{#NOTE_BODY_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/NOTE_BODY_ERROR}}
		</div>
		<div class="form-actions"><button class="btn" type="submit">Add note</button></div>
	</form>
	{{#NO_NOTES}}<p class="muted">No notes yet.</p>{{/NO_NOTES}}
	{{#HAS_NOTES}}
	<div class="table-wrap">
		<table class="data" id="lead-notes">
			<thead><tr><th>Note</th><th>By</th><th>When</th></tr></thead>
			<tbody>
				{{#NOTE}}
				<tr>
					<td class="break">{{BODY}}</td>
					<td class="break">{{AUTHOR}}</td>
					<td class="nowrap">{{CREATED}}</td>
				</tr>
				{{/NOTE}}
			</tbody>
		</table>
	</div>
	{{/HAS_NOTES}}
</section>
<section class="card section" id="calls" data-live-region="lead-calls" data-live-on="call" data-live-id="{{ID}}">
	<div class="card-header"><h2>Calls</h2></div>
	{{#NO_CALLS}}<p class="muted">No calls with this lead yet.</p>{{/NO_CALLS}}
	{{#HAS_CALLS}}
	<div class="table-wrap">
		<table class="data">
			<thead><tr><th>When</th><th>Direction</th><th>Status</th><th>Length</th><th>Summary</th></tr></thead>
			<tbody>
				{{#CALL}}
				<tr>
					<td class="nowrap"><a href="/calls/{{ID}}">{{STARTED}}</a></td>
					<td>{{DIRECTION}}</td>
					<td><span class="badge {{STATUS_BADGE}}">{{STATUS_LABEL}}</span>{{#BOOKED}} <span class="badge badge-booked">Booked</span>{{/BOOKED}}</td>
					<td class="nowrap">{{DURATION}}</td>
					<td class="break">{{SUMMARY}}</td>
				</tr>
				{{/CALL}}
			</tbody>
		</table>
	</div>
	{{/HAS_CALLS}}
</section>
<section class="card section" id="appointments" data-live-region="lead-appointments" data-live-on="booking" data-live-id="{{ID}}">
	<div class="card-header"><h2>Appointments</h2></div>
	{{#NO_APPOINTMENTS}}<p class="muted">No appointments booked for this lead.</p>{{/NO_APPOINTMENTS}}
	{{#HAS_APPOINTMENTS}}
	<div class="table-wrap">
		<table class="data">
			<thead><tr><th>When</th><th>Service</th><th>For</th><th>Status</th></tr></thead>
			<tbody>
				{{#APPOINTMENT}}
				<tr>
					<td class="nowrap">{{STARTS}} – {{ENDS}}</td>
					<td>{{SERVICE}}</td>
					<td>{{CUSTOMER}}</td>
					<td><span class="badge {{STATUS_BADGE}}">{{STATUS_LABEL}}</span></td>
				</tr>
				{{/APPOINTMENT}}
			</tbody>
		</table>
	</div>
	{{/HAS_APPOINTMENTS}}
</section>
<section class="card section" id="messages">
	<div class="card-header"><h2>Messages</h2></div>
	{{#NO_MESSAGES}}<p class="muted">No messages sent to this lead yet.</p>{{/NO_MESSAGES}}
	{{#HAS_MESSAGES}}
	<div class="table-wrap">
		<table class="data">
			<thead><tr><th>When</th><th>Channel</th><th>To</th><th>Message</th><th>Status</th></tr></thead>
			<tbody>
				{{#NOTIFICATION}}
				<tr>
					<td class="nowrap">{{CREATED}}<span class="sub">{{PURPOSE}}</span></td>
					<td>{{CHANNEL}}</td>
					<td class="break">{{TO}}</td>
					<td class="break">{{BODY}}</td>
					<td><span class="badge {{STATUS_BADGE}}">{{STATUS_LABEL}}</span>{{#MESSAGE_ERROR}}<span class="sub">{{ERROR}}</span>{{/MESSAGE_ERROR}}</td>
				</tr>
				{{/NOTIFICATION}}
			</tbody>
		</table>
	</div>
	{{/HAS_MESSAGES}}
</section>
<section class="card section" id="texts">
	<div class="card-header"><h2>Texts from this lead</h2></div>
	{{#NO_TEXTS}}<p class="muted">No texts from this number yet.</p>{{/NO_TEXTS}}
	{{#HAS_TEXTS}}
	<div class="table-wrap">
		<table class="data">
			<thead><tr><th>Received</th><th>Text</th></tr></thead>
			<tbody>
				{{#TEXT}}
				<tr>
					<td class="nowrap">{{TEXT_RECEIVED}}</td>
					<td class="break">{{#TEXT_KIND}}<span class="badge badge-pending">{{KIND_LABEL}}</span> {{/TEXT_KIND}}{{TEXT_BODY}}</td>
				</tr>
				{{/TEXT}}
			</tbody>
		</table>
	</div>
	{{/HAS_TEXTS}}
</section>
