{{%AUTOESCAPE context="HTML"}}
{{! settings_phones.tpl: the numbers the receptionist answers: list, add and remove. }}
<div class="page-header"><h1>Phone numbers</h1><p>Calls to a verified number reach your receptionist. A number typed here is stored but not routed (no call, text or call-back) until it is verified on the <a href="/line">Phone line</a> page.</p></div>
{{>SETTINGS_NAV}}
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can change settings.</p>{{/READ_ONLY}}
<div class="card">
	<div class="card-header"><h2>Your numbers</h2></div>
	{{#NO_PHONES}}<div class="empty"><h3>No numbers yet</h3><p>Add the number your callers dial, in international form.</p></div>{{/NO_PHONES}}
	{{#HAS_PHONES}}<div class="table-wrap">
		<table class="data">
			<thead><tr><th>Number</th><th>Label</th><th>Provider</th><th>State</th><th>Status</th><th class="actions"><span class="visually-hidden">Actions</span></th></tr></thead>
			<tbody>
			{{#PHONE}}
				<tr>
					<td class="nowrap mono">{{E164}}</td>
					<td>{{LABEL}}</td>
					<td>{{PROVIDER}}</td>
					<td data-state="{{#VERIFIED}}verified{{/VERIFIED}}{{#UNVERIFIED}}unverified{{/UNVERIFIED}}">{{#VERIFIED}}<span class="badge badge-ok">verified</span><span class="sub">{{HOW}}</span>{{/VERIFIED}}{{#UNVERIFIED}}<span class="badge badge-warm">not verified</span><span class="sub">Not routed. <a href="/line">Verify it on Phone line</a></span>{{/UNVERIFIED}}</td>
					<td>{{#ACTIVE}}<span class="badge badge-active">active</span>{{/ACTIVE}}{{#INACTIVE}}<span class="badge badge-inactive">inactive</span>{{/INACTIVE}}</td>
					<td class="actions">
						<form class="inline" method="post" action="/settings/phones/{{ID}}/delete" data-confirm="Remove {{E164}}? Calls to it will no longer be answered.">
							<input type="hidden" name="csrf" value="{{CSRF}}">
							<button class="btn btn-small btn-danger" type="submit">Remove</button>
						</form>
					</td>
				</tr>
			{{/PHONE}}
			</tbody>
		</table>
	</div>{{/HAS_PHONES}}
</div>
<div class="card">
	<div class="card-header"><h2>Add a number</h2></div>
	<form class="form-narrow" method="post" action="/settings/phones" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field-row">
			<div class="field {{E164_CLASS}}">
				<label for="e164">Phone number</label>
				<input id="e164" name="e164" type="tel" autocomplete="tel" value="{{E164_VALUE}}" placeholder="+15551234567" required>
				{{#E164_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/E164_ERROR}}
			</div>
			<div class="field {{LABEL_CLASS}}">
				<label for="label">Label <span class="muted">(optional)</span></label>
				<input id="label" name="label" type="text" value="{{LABEL_VALUE}}" maxlength="100" placeholder="Main line">
				{{#LABEL_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/LABEL_ERROR}}
			</div>
		</div>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Add number</button></div>
	</form>
</div>
