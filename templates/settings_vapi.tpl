{{%AUTOESCAPE context="HTML"}}
{{! settings_vapi.tpl: how Vapi's server messages are authenticated, the assistant and number that call leads back, and the voice. }}
<div class="page-header"><h1>Vapi</h1><p>For the Vapi call mode: Vapi runs the voice and Switchboard is its server.</p></div>
{{>SETTINGS_NAV}}
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can change settings.</p>{{/READ_ONLY}}
<div class="card">
	<div class="card-header"><h2>Connection</h2></div>
	<dl class="details">
		<dt>Server URL</dt><dd class="mono break">{{SERVER_URL}}</dd>
		<dt>Server secret</dt><dd id="vapi-server-secret">{{SERVER_SECRET_STATE}}</dd>
		<dt>API key</dt><dd id="vapi-api-key">{{API_KEY_STATE}}</dd>
	</dl>
	{{#PLAIN_HTTP}}<p class="flash flash-error" role="alert" data-warning="plain-http">Twilio and Vapi need https in production: these addresses start with {{BASE}}. Set PUBLIC_BASE_URL to the https address of this server.</p>{{/PLAIN_HTTP}}
	<p class="help">Set the server URL in Vapi's dashboard. The server secret and the private API key are kept encrypted under <a href="/settings/credentials">Provider keys</a>.</p>
	{{#NEW_SECRET}}<div class="flash flash-ok" id="vapi-new-secret"><p>Your new server secret, shown only this once: copy it into the Vapi credential now. Vapi's messages are refused until the credential holds it.</p><p class="mono break"><strong>{{SECRET}}</strong></p></div>{{/NEW_SECRET}}
	<form method="post" action="/settings/vapi">
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<input type="hidden" name="action" value="generate_secret">
		<button class="btn" type="submit">Generate a new server secret</button>
		<p class="help">Made here from 32 random bytes and shown once. It replaces the stored secret.</p>
	</form>
</div>
<form class="form-narrow" method="post" action="/settings/vapi" novalidate>
	<input type="hidden" name="csrf" value="{{CSRF}}">
	<div class="card section">
		<div class="card-header"><h2>How Vapi proves a message is its own</h2></div>
		<p class="help">Recommended: HMAC with a timestamp. A secret or Bearer token is sent as it is with every message; an HMAC signature over the timestamp and the body cannot be replayed or reused.</p>
		<div class="field {{CREDENTIAL_ID_CLASS}}">
			<label for="credential_id">Vapi credential id <span class="muted">(optional)</span></label>
			<input id="credential_id" name="credential_id" value="{{CREDENTIAL_ID_VALUE}}" maxlength="128">
			<p class="help">The id of the credential in Vapi's dashboard that holds the server secret. Each call's assistant names it, so Vapi authenticates its tool calls and events with it.</p>
			{{#CREDENTIAL_ID_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/CREDENTIAL_ID_ERROR}}
		</div>
		<div class="field {{SERVER_SECRET_CLASS}}">
			<label for="server_secret">Server secret <span class="muted">(optional)</span></label>
			<input id="server_secret" name="server_secret" type="password" value="" maxlength="500" autocomplete="off">
			<p class="help">Leave empty to keep the stored one. A secret you type has at least 24 characters; better, generate one above.</p>
			{{#SERVER_SECRET_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/SERVER_SECRET_ERROR}}
		</div>
		<div class="field {{AUTH_METHOD_CLASS}}">
			<label for="auth_method">Authentication</label>
			<select id="auth_method" name="auth_method">
				<option value="secret" {{#AUTH_METHOD_secret}}selected{{/AUTH_METHOD_secret}}>Secret: the server secret in a header (X-Vapi-Secret)</option>
				<option value="bearer" {{#AUTH_METHOD_bearer}}selected{{/AUTH_METHOD_bearer}}>Bearer: Authorization: Bearer and the server secret</option>
				<option value="hmac" {{#AUTH_METHOD_hmac}}selected{{/AUTH_METHOD_hmac}}>HMAC: a signature over the message made with the server secret</option>
			</select>
			{{#AUTH_METHOD_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/AUTH_METHOD_ERROR}}
		</div>
		<div class="field {{AUTH_HEADER_CLASS}}">
			<label for="auth_header">Header name <span class="muted">(optional)</span></label>
			<input id="auth_header" name="auth_header" value="{{AUTH_HEADER_VALUE}}" maxlength="64" placeholder="X-Vapi-Secret, Authorization or x-signature">
			<p class="help">Leave empty for the method's usual header. Otherwise X-Vapi-Secret, Authorization or a header of your own that starts with X- (not one a proxy sets, like X-Forwarded-For or X-Real-IP).</p>
			{{#AUTH_HEADER_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/AUTH_HEADER_ERROR}}
		</div>
		<div class="field field-check">
			<input id="bearer_prefix" name="bearer_prefix" type="checkbox" value="1" {{#BEARER_PREFIX_ON}}checked{{/BEARER_PREFIX_ON}}>
			<label for="bearer_prefix">Bearer: the secret follows "Bearer "</label>
		</div>
		<div class="field {{HMAC_ALGORITHM_CLASS}}">
			<label for="hmac_algorithm">HMAC algorithm</label>
			<select id="hmac_algorithm" name="hmac_algorithm">
				<option value="sha256" {{#HMAC_ALGORITHM_sha256}}selected{{/HMAC_ALGORITHM_sha256}}>SHA-256</option>
				<option value="sha512" {{#HMAC_ALGORITHM_sha512}}selected{{/HMAC_ALGORITHM_sha512}}>SHA-512</option>
				<option value="sha1" {{#HMAC_ALGORITHM_sha1}}selected{{/HMAC_ALGORITHM_sha1}}>SHA-1</option>
			</select>
			{{#HMAC_ALGORITHM_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/HMAC_ALGORITHM_ERROR}}
		</div>
		<div class="field {{HMAC_TIMESTAMP_HEADER_CLASS}}">
			<label for="hmac_timestamp_header">HMAC timestamp header</label>
			<input id="hmac_timestamp_header" name="hmac_timestamp_header" value="{{HMAC_TIMESTAMP_HEADER_VALUE}}" maxlength="64">
			{{#HMAC_TIMESTAMP_HEADER_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/HMAC_TIMESTAMP_HEADER_ERROR}}
		</div>
		<div class="field field-check">
			<input id="hmac_include_timestamp" name="hmac_include_timestamp" type="checkbox" value="1" {{#HMAC_INCLUDE_TIMESTAMP_ON}}checked{{/HMAC_INCLUDE_TIMESTAMP_ON}}>
			<label for="hmac_include_timestamp">HMAC: Vapi sends a timestamp</label>
		</div>
		<div class="field {{HMAC_PAYLOAD_FORMAT_CLASS}}">
			<label for="hmac_payload_format">HMAC payload format</label>
			<input id="hmac_payload_format" name="hmac_payload_format" value="{{HMAC_PAYLOAD_FORMAT_VALUE}}" maxlength="200">
			<p class="help">What is signed, from {timestamp}, {body}, {method}, {url} and {svix-id}; Vapi's default is {timestamp}.{body}.</p>
			{{#HMAC_PAYLOAD_FORMAT_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/HMAC_PAYLOAD_FORMAT_ERROR}}
		</div>
		<div class="field {{HMAC_MESSAGE_ID_HEADER_CLASS}}">
			<label for="hmac_message_id_header">HMAC message id header</label>
			<input id="hmac_message_id_header" name="hmac_message_id_header" value="{{HMAC_MESSAGE_ID_HEADER_VALUE}}" maxlength="64" placeholder="svix-id">
			<p class="help">The header whose value {svix-id} stands for in the payload format.</p>
			{{#HMAC_MESSAGE_ID_HEADER_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/HMAC_MESSAGE_ID_HEADER_ERROR}}
		</div>
		<div class="field {{HMAC_ENCODING_CLASS}}">
			<label for="hmac_encoding">HMAC signature encoding</label>
			<select id="hmac_encoding" name="hmac_encoding">
				<option value="hex" {{#HMAC_ENCODING_hex}}selected{{/HMAC_ENCODING_hex}}>Hex</option>
				<option value="base64" {{#HMAC_ENCODING_base64}}selected{{/HMAC_ENCODING_base64}}>Base64</option>
			</select>
			{{#HMAC_ENCODING_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/HMAC_ENCODING_ERROR}}
		</div>
		<div class="field {{HMAC_PREFIX_CLASS}}">
			<label for="hmac_prefix">HMAC signature prefix <span class="muted">(optional)</span></label>
			<input id="hmac_prefix" name="hmac_prefix" value="{{HMAC_PREFIX_VALUE}}" maxlength="32" placeholder="sha256=">
			{{#HMAC_PREFIX_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/HMAC_PREFIX_ERROR}}
		</div>
		<div class="field field-check">
			<input id="hmac_secret_is_base64" name="hmac_secret_is_base64" type="checkbox" value="1" {{#HMAC_SECRET_IS_BASE64_ON}}checked{{/HMAC_SECRET_IS_BASE64_ON}}>
			<label for="hmac_secret_is_base64">HMAC: the server secret is base64</label>
		</div>
		<div class="field {{TIMESTAMP_WINDOW_SECONDS_CLASS}}">
			<label for="timestamp_window_seconds">Timestamp window (seconds)</label>
			<input id="timestamp_window_seconds" name="timestamp_window_seconds" type="number" min="10" max="3600" value="{{TIMESTAMP_WINDOW_SECONDS_VALUE}}">
			<p class="help">How far a signed timestamp may be from now, either way: 10 to 3600.</p>
			{{#TIMESTAMP_WINDOW_SECONDS_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/TIMESTAMP_WINDOW_SECONDS_ERROR}}
		</div>
	</div>
	<div class="card section">
		<div class="card-header"><h2>Calling leads back</h2></div>
		<div class="field {{OUTBOUND_ASSISTANT_ID_CLASS}}">
			<label for="outbound_assistant_id">Outbound assistant id <span class="muted">(optional)</span></label>
			<input id="outbound_assistant_id" name="outbound_assistant_id" value="{{OUTBOUND_ASSISTANT_ID_VALUE}}" maxlength="128">
			<p class="help">The Vapi assistant that talks when a lead is called back.</p>
			{{#OUTBOUND_ASSISTANT_ID_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/OUTBOUND_ASSISTANT_ID_ERROR}}
		</div>
		<div class="field {{PHONE_NUMBER_ID_CLASS}}">
			<label for="phone_number_id">Phone number id <span class="muted">(optional)</span></label>
			<input id="phone_number_id" name="phone_number_id" value="{{PHONE_NUMBER_ID_VALUE}}" maxlength="128">
			<p class="help">The Vapi phone number call-backs come from.</p>
			{{#PHONE_NUMBER_ID_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/PHONE_NUMBER_ID_ERROR}}
		</div>
	</div>
	<div class="card section">
		<div class="card-header"><h2>Voice</h2></div>
		<div class="field {{VOICE_PROVIDER_CLASS}}">
			<label for="voice_provider">Voice provider</label>
			<input id="voice_provider" name="voice_provider" value="{{VOICE_PROVIDER_VALUE}}" maxlength="64" placeholder="11labs">
			{{#VOICE_PROVIDER_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/VOICE_PROVIDER_ERROR}}
		</div>
		<div class="field {{VOICE_ID_CLASS}}">
			<label for="voice_id">Voice id</label>
			<input id="voice_id" name="voice_id" value="{{VOICE_ID_VALUE}}" maxlength="128" placeholder="burt">
			{{#VOICE_ID_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/VOICE_ID_ERROR}}
		</div>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Save Vapi settings</button></div>
	</div>
</form>
