{{%AUTOESCAPE context="HTML"}}
{{! line.tpl: the business's phone line: its numbers and their state, the webhook addresses, and the three verified ways to connect a number. }}
<div class="page-header"><h1>Phone line</h1><p>Calls and texts reach your receptionist only on a number connected one of the three ways below: a number typed in by hand routes nothing until it is.</p></div>
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can connect numbers.</p>{{/READ_ONLY}}
{{#PROBLEM}}<p class="flash flash-error" role="alert">{{MESSAGE}}</p>{{/PROBLEM}}
<div class="card">
	<div class="card-header"><h2>Your numbers</h2></div>
	{{#NO_NUMBERS}}<div class="empty"><h3>No numbers yet</h3><p>Connect one below.</p></div>{{/NO_NUMBERS}}
	{{#HAS_NUMBERS}}<div class="table-wrap">
		<table class="data">
			<thead><tr><th>Number</th><th>Label</th><th>Connected</th><th>State</th><th>Webhooks</th><th class="actions"><span class="visually-hidden">Actions</span></th></tr></thead>
			<tbody>
			{{#NUMBER}}
				<tr>
					<td class="nowrap mono">{{E164}}</td>
					<td>{{LABEL}}</td>
					<td>{{HOW}}</td>
					<td>{{#VERIFIED}}<span class="badge badge-active">verified</span> <span class="muted">{{VERIFIED_AT}}</span>{{/VERIFIED}}{{#CHECKING}}<span class="badge badge-inactive">waiting for the check call</span>{{/CHECKING}}{{#UNVERIFIED}}<span class="badge badge-inactive">not verified: routes nothing</span>{{/UNVERIFIED}}{{#INACTIVE}} <span class="badge badge-inactive">off</span>{{/INACTIVE}}</td>
					<td>{{#HOOKS_SET}}<span class="muted">set {{HOOKS_AT}}</span>{{/HOOKS_SET}}{{#HOOKS_UNSET}}<span class="muted">not set</span>{{/HOOKS_UNSET}}</td>
					<td class="actions nowrap">{{#CAN_EDIT}}
						{{#CAN_CHECK}}<form class="inline" method="post" action="/line/{{ID}}/check">
							<input type="hidden" name="csrf" value="{{CSRF}}">
							<button class="btn btn-small" type="submit">Call me to check</button>
						</form>{{/CAN_CHECK}}
						{{#CAN_CONFIGURE}}<form class="inline" method="post" action="/line/{{ID}}/webhooks">
							<input type="hidden" name="csrf" value="{{CSRF}}">
							<button class="btn btn-small" type="submit">Set webhooks</button>
						</form>{{/CAN_CONFIGURE}}
					{{/CAN_EDIT}}</td>
				</tr>
			{{/NUMBER}}
			</tbody>
		</table>
	</div>{{/HAS_NUMBERS}}
</div>
<div class="card">
	<div class="card-header"><h2>Webhook addresses</h2></div>
	<p>Switchboard sets these on the numbers it connects through Twilio's API. Twilio must call:</p>
	{{#PLAIN_HTTP}}<p class="flash flash-error" role="alert" data-warning="plain-http">Twilio and Vapi need https in production: these addresses start with {{BASE}}. Set PUBLIC_BASE_URL to the https address of this server.</p>{{/PLAIN_HTTP}}
	<dl class="facts">
		<dt>A call comes in (Voice URL, POST)</dt><dd class="mono">{{VOICE_URL}}</dd>
		<dt>Call status changes (Status callback, POST)</dt><dd class="mono">{{STATUS_URL}}</dd>
		<dt>A text comes in (Messaging URL, POST)</dt><dd class="mono">{{SMS_URL}}</dd>
	</dl>
</div>
{{#CAN_EDIT}}
<div class="card">
	<div class="card-header"><h2>1. Get a new number</h2></div>
	<p>Switchboard buys a local number for you and points it here. It works at once.</p>
	<form class="form-narrow" method="post" action="/line/search" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<input type="hidden" name="purpose" value="buy">
		<div class="field"><label for="buy_area_code">Area code</label>
			<input id="buy_area_code" name="area_code" type="text" inputmode="numeric" maxlength="3" value="{{AREA_CODE}}" placeholder="415"></div>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Find numbers</button></div>
	</form>
	{{#BUY_RESULTS}}
	<div class="table-wrap"><table class="data">
		<thead><tr><th>Number</th><th>Place</th><th class="actions"><span class="visually-hidden">Actions</span></th></tr></thead>
		<tbody>
		{{#AVAILABLE}}<tr>
			<td class="nowrap mono">{{E164}}</td><td>{{PLACE}}</td>
			<td class="actions"><form class="inline" method="post" action="/line/buy">
				<input type="hidden" name="csrf" value="{{CSRF}}">
				<input type="hidden" name="phone_number" value="{{E164}}">
				<button class="btn btn-small btn-primary" type="submit">Get this number</button>
			</form></td>
		</tr>{{/AVAILABLE}}
		</tbody>
	</table></div>
	{{#NONE_AVAILABLE}}<p>No numbers are available there; try another area code.</p>{{/NONE_AVAILABLE}}
	{{/BUY_RESULTS}}
</div>
<div class="card">
	<div class="card-header"><h2>2. Use a number of your own Twilio account</h2></div>
	<p>With your Twilio Account SID and auth token saved under <a href="/settings/credentials">Provider keys</a>, pick one of your account's numbers. Your account listing it is the proof it is yours; its webhooks are then checked with your token.</p>
	<form method="post" action="/line/own">
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="form-actions"><button class="btn" type="submit">List my Twilio numbers</button></div>
	</form>
	{{#OWN_RESULTS}}
	<div class="table-wrap"><table class="data">
		<thead><tr><th>Number</th><th>Name</th><th>Calls go to now</th><th class="actions"><span class="visually-hidden">Actions</span></th></tr></thead>
		<tbody>
		{{#OWN}}<tr>
			<td class="nowrap mono">{{E164}}</td><td>{{NAME}}</td><td class="break mono">{{VOICE_URL}}</td>
			<td class="actions"><form class="inline" method="post" action="/line/claim">
				<input type="hidden" name="csrf" value="{{CSRF}}">
				<input type="hidden" name="phone_number" value="{{E164}}">
				<button class="btn btn-small btn-primary" type="submit">Connect</button>
			</form></td>
		</tr>{{/OWN}}
		</tbody>
	</table></div>
	{{#OWN_NONE}}<p>Your Twilio account holds no numbers.</p>{{/OWN_NONE}}
	{{/OWN_RESULTS}}
</div>
<div class="card">
	<div class="card-header"><h2>3. Keep your number and forward it</h2></div>
	<p>Switchboard gives you a number to forward your existing line to. To check the forwarding, Switchboard calls your existing number from the new one ("Call me to check"): when the call comes back forwarded, the number is verified. Until then it routes nothing.</p>
	<form class="form-narrow" method="post" action="/line/search" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<input type="hidden" name="purpose" value="forward">
		<div class="field"><label for="forwarded_from">Your existing number</label>
			<input id="forwarded_from" name="forwarded_from" type="tel" value="{{FORWARDED_FROM}}" placeholder="+14155550123"></div>
		<div class="field"><label for="fwd_area_code">Area code of the number to forward to</label>
			<input id="fwd_area_code" name="area_code" type="text" inputmode="numeric" maxlength="3" value="{{AREA_CODE}}" placeholder="415"></div>
		<div class="form-actions"><button class="btn" type="submit">Find numbers</button></div>
	</form>
	{{#FORWARD_RESULTS}}
	<div class="table-wrap"><table class="data">
		<thead><tr><th>Number</th><th>Place</th><th class="actions"><span class="visually-hidden">Actions</span></th></tr></thead>
		<tbody>
		{{#AVAILABLE}}<tr>
			<td class="nowrap mono">{{E164}}</td><td>{{PLACE}}</td>
			<td class="actions"><form class="inline" method="post" action="/line/forward">
				<input type="hidden" name="csrf" value="{{CSRF}}">
				<input type="hidden" name="phone_number" value="{{E164}}">
				<input type="hidden" name="forwarded_from" value="{{FORWARDED_FROM}}">
				<button class="btn btn-small btn-primary" type="submit">Forward to this number</button>
			</form></td>
		</tr>{{/AVAILABLE}}
		</tbody>
	</table></div>
	{{#NONE_AVAILABLE}}<p>No numbers are available there; try another area code.</p>{{/NONE_AVAILABLE}}
	{{/FORWARD_RESULTS}}
</div>
{{/CAN_EDIT}}
