{{%AUTOESCAPE context="HTML"}}
{{! settings_credentials.tpl: provider keys, stored encrypted and shown only by their last four characters. }}
<div class="page-header"><h1>Provider keys</h1><p>Your own accounts for the services that carry your calls and voice. Calls use them as soon as they are saved; whatever you leave empty, the server's own account stands in for. Keys are stored encrypted and never shown again in full.</p></div>
{{>SETTINGS_NAV}}
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can change settings.</p>{{/READ_ONLY}}
{{#NO_KEY}}<p class="flash flash-error" role="alert">Keys cannot be stored yet: the server has no ENCRYPTION_KEY configured.</p>{{/NO_KEY}}
{{#FORM_ERROR}}<p class="flash flash-error" role="alert">{{MESSAGE}}</p>{{/FORM_ERROR}}
<form method="post" action="/settings/credentials" novalidate autocomplete="off">
	<input type="hidden" name="csrf" value="{{CSRF}}">
	{{#PROVIDER}}
	<div class="card">
		<div class="card-header"><h2>{{PROVIDER_LABEL}}</h2>
			<button class="btn btn-secondary" type="submit" formaction="/settings/credentials/check" name="provider" value="{{PROVIDER}}">Check</button></div>
		<p class="help">{{IN_USE}}</p>
		{{#CHECKED}}<p class="flash flash-{{KIND}}" role="status" data-check="{{KIND}}">{{MESSAGE}}</p>{{/CHECKED}}
		<div class="form-narrow">
		{{#FIELD}}
			<div class="field {{CLASS}}">
				<label for="{{FIELD}}">{{LABEL}}</label>
				{{#SAVED}}<p class="help">Saved: <span class="mono">{{HINT}}</span>, {{UPDATED}}.
					<button class="btn-link" type="submit" formaction="/settings/credentials/{{ID}}/delete" data-confirm="Remove this key?">Remove</button></p>{{/SAVED}}
				{{#SECRET_INPUT}}<input id="{{FIELD}}" name="{{FIELD}}" type="password" autocomplete="off" value="">{{/SECRET_INPUT}}
				{{#TEXT_INPUT}}<input id="{{FIELD}}" name="{{FIELD}}" type="text" autocomplete="off" value="{{VALUE}}">{{/TEXT_INPUT}}
				{{#ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/ERROR}}
			</div>
		{{/FIELD}}
		</div>
	</div>
	{{/PROVIDER}}
	<p class="help">Leave a field empty to keep what is saved. Check makes one harmless request with the saved key (or the server's) and shows the answer.</p>
	<div class="form-actions"><button class="btn btn-primary" type="submit">Save keys</button></div>
</form>
