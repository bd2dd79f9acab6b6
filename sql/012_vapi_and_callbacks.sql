-- 012_vapi_and_callbacks: how an organization's Vapi server messages are authenticated and its
-- outbound calls placed, and the two states an outbound call passes before the provider has it.

-- One row per organization that runs calls through Vapi. The secrets themselves (the server
-- secret, the private API key) are sealed in provider_credentials ('vapi', 'server_secret' and
-- 'api_key'); this table holds only how they are used.
CREATE TABLE vapi_settings (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL UNIQUE REFERENCES organizations ON DELETE CASCADE,
	-- secret: the secret verbatim in a header (X-Vapi-Secret by default); bearer:
	-- "Authorization: Bearer <secret>" (header and prefix configurable); hmac: a signature
	-- over a payload built from the body and a timestamp (PROTOCOLS.md §5.3).
	auth_method text NOT NULL DEFAULT 'secret'
		CHECK (auth_method IN ('secret', 'bearer', 'hmac')),
	-- NULL: the method's default header (X-Vapi-Secret, Authorization, x-signature).
	auth_header text CHECK (auth_header ~ '^[A-Za-z0-9-]{1,64}$'),
	bearer_prefix boolean NOT NULL DEFAULT true,
	hmac_algorithm text NOT NULL DEFAULT 'sha256'
		CHECK (hmac_algorithm IN ('sha1', 'sha256', 'sha512')),
	hmac_timestamp_header text NOT NULL DEFAULT 'x-timestamp'
		CHECK (hmac_timestamp_header ~ '^[A-Za-z0-9-]{1,64}$'),
	hmac_include_timestamp boolean NOT NULL DEFAULT true,
	-- Placeholders {timestamp} {body} {method} {url} {svix-id}.
	hmac_payload_format text NOT NULL DEFAULT '{timestamp}.{body}'
		CHECK (char_length(hmac_payload_format) BETWEEN 1 AND 200),
	hmac_encoding text NOT NULL DEFAULT 'hex' CHECK (hmac_encoding IN ('hex', 'base64')),
	hmac_prefix text NOT NULL DEFAULT '' CHECK (char_length(hmac_prefix) <= 32),
	hmac_secret_is_base64 boolean NOT NULL DEFAULT false,
	-- How far a signed timestamp may be from now, either way.
	timestamp_window_seconds integer NOT NULL DEFAULT 300
		CHECK (timestamp_window_seconds BETWEEN 10 AND 3600),
	-- The outbound side: the assistant that calls leads back and the Vapi number it calls from.
	-- Vapi's ids; a phone number id is one organization's, so it also tells whose a message is.
	outbound_assistant_id text CHECK (char_length(outbound_assistant_id) BETWEEN 1 AND 128),
	phone_number_id text UNIQUE CHECK (char_length(phone_number_id) BETWEEN 1 AND 128),
	-- The voice of the transient assistant handed to Vapi on assistant-request.
	voice_provider text NOT NULL DEFAULT '11labs' CHECK (char_length(voice_provider) BETWEEN 1 AND 64),
	voice_id text NOT NULL DEFAULT 'burt' CHECK (char_length(voice_id) BETWEEN 1 AND 128),
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER vapi_settings_updated_at BEFORE UPDATE ON vapi_settings
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE vapi_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON vapi_settings
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON vapi_settings TO switchboard_app;

-- An outbound call is a row before the provider knows it: 'pending' while its job waits,
-- 'initiated' once the provider accepted it; the provider's own statuses follow.
ALTER TABLE calls DROP CONSTRAINT calls_status_check;
ALTER TABLE calls ADD CONSTRAINT calls_status_check
	CHECK (status IN ('pending', 'initiated', 'queued', 'ringing', 'in-progress', 'completed',
			  'missed', 'failed', 'busy', 'no-answer', 'canceled', 'transferred'));

-- Whose a Vapi server message is, before it is authenticated with that organization's secret:
-- the business number it came in on, else the Vapi phone number id of an outbound call, else
-- the Vapi call id of a call already stored. NULL when none matches.
CREATE FUNCTION vapi_org_for(p_number text, p_phone_number_id text, p_vapi_call_id text)
	RETURNS uuid
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	SELECT coalesce(
		(SELECT p.org_id FROM phone_numbers p WHERE p.e164 = p_number AND p.active),
		(SELECT v.org_id FROM vapi_settings v WHERE v.phone_number_id = p_phone_number_id),
		(SELECT c.org_id FROM calls c
		 WHERE c.provider = 'vapi' AND c.provider_call_id = p_vapi_call_id))
$$;

CALL revoke_public_execute();
GRANT EXECUTE ON FUNCTION vapi_org_for(text, text, text) TO switchboard_app;
