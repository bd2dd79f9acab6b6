{{%AUTOESCAPE context="HTML"}}
{{! settings_receptionist.tpl: how the receptionist greets and sounds, how calls are run, and where transfers go. }}
<div class="page-header"><h1>Receptionist</h1><p>What callers hear first and how the receptionist talks.</p></div>
{{>SETTINGS_NAV}}
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can change settings.</p>{{/READ_ONLY}}
<div class="card">
	<div class="card-header"><h2>Voice and call handling</h2></div>
	<form class="form-narrow" method="post" action="/settings/receptionist" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field {{GREETING_CLASS}}">
			<label for="greeting">Greeting</label>
			<textarea id="greeting" name="greeting" rows="3" maxlength="500" required>{{GREETING_VALUE}}</textarea>
			<p class="help">The first thing a caller hears. Up to 500 characters.</p>
			{{#GREETING_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/GREETING_ERROR}}
		</div>
		<div class="field {{VOICE_PERSONALITY_CLASS}}">
			<label for="voice_personality">Voice personality</label>
			<textarea id="voice_personality" name="voice_personality" rows="3" maxlength="500" required>{{VOICE_PERSONALITY_VALUE}}</textarea>
			<p class="help">How the receptionist should come across, e.g. "warm, brief, professional".</p>
			{{#VOICE_PERSONALITY_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/VOICE_PERSONALITY_ERROR}}
		</div>
		<div class="field {{CALL_MODE_CLASS}}">
			<label for="call_mode">Call mode</label>
			<select id="call_mode" name="call_mode">
				<option value="gather" {{#MODE_gather}}selected{{/MODE_gather}}>Gather: the phone provider listens and speaks (no voice worker needed)</option>
				<option value="stream" {{#MODE_stream}}selected{{/MODE_stream}}>Stream: live audio, fastest replies, caller can interrupt</option>
				<option value="vapi" {{#MODE_vapi}}selected{{/MODE_vapi}}>Vapi: Vapi runs the voice</option>
			</select>
			{{#CALL_MODE_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/CALL_MODE_ERROR}}
			{{#MODE_PROBLEM}}<p class="flash flash-error" role="alert">The saved call mode cannot work now: {{MESSAGE}}</p>{{/MODE_PROBLEM}}
		</div>
		<div class="field {{TRANSFER_PHONE_CLASS}}">
			<label for="transfer_phone">Transfer calls to <span class="muted">(optional)</span></label>
			<input id="transfer_phone" name="transfer_phone" type="tel" value="{{TRANSFER_PHONE_VALUE}}" placeholder="+15551234567">
			<p class="help">When a caller asks for a person, the call is put through to this number.</p>
			{{#TRANSFER_PHONE_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/TRANSFER_PHONE_ERROR}}
		</div>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Save receptionist</button></div>
	</form>
</div>
