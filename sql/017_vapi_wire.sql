-- 017_vapi_wire: what the transient assistant needs to be authenticated by Vapi, and which header
-- carries the message id an HMAC payload may sign.

-- The id of the Vapi credential (made in Vapi's dashboard, holding the server secret) that the
-- assistant's server object names, so Vapi authenticates its tool calls and events with it.
-- NULL: the assistant names no server and Vapi uses the phone number's.
ALTER TABLE vapi_settings ADD COLUMN credential_id text
	CHECK (credential_id ~ '^[A-Za-z0-9_-]{1,128}$');
-- The header whose value {svix-id} stands for in the HMAC payload format.
ALTER TABLE vapi_settings ADD COLUMN hmac_message_id_header text NOT NULL DEFAULT 'svix-id'
	CHECK (hmac_message_id_header ~ '^[A-Za-z0-9-]{1,64}$');
