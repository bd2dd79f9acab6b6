-- 014_phone_lines: how each phone number was connected and whether it is verified (only a verified
-- number routes a call, a Vapi message or a text to a business), and the texts customers send in.
--
-- A number reaches a business one of three verified ways: bought from the platform's Twilio
-- account ('platform'), found in the business's own Twilio account ('own_account', whose token then
-- signs its webhooks), or a platform number the business's existing line forwards to
-- ('forwarding', verified when a check call placed to the existing line arrives forwarded). A
-- number typed on the settings page ('typed') is stored unverified and routes nothing: anyone can
-- type anyone's number.

ALTER TABLE phone_numbers
	ADD COLUMN connection text NOT NULL DEFAULT 'typed'
		CHECK (connection IN ('typed', 'platform', 'own_account', 'forwarding')),
	ADD COLUMN verified_at timestamptz,
	-- Twilio's ids of the number (PN...) and of the account that holds it (AC...).
	ADD COLUMN twilio_number_sid text CHECK (twilio_number_sid ~ '^PN[0-9a-fA-F]{32}$'),
	ADD COLUMN twilio_account_sid text CHECK (twilio_account_sid ~ '^AC[0-9a-fA-F]{32}$'),
	-- Forwarding: the number customers know, which forwards here.
	ADD COLUMN forwarded_from text CHECK (forwarded_from ~ '^\+[1-9][0-9]{6,14}$'),
	-- Forwarding: the last check call placed to forwarded_from, and when.
	ADD COLUMN check_call_sid text CHECK (check_call_sid ~ '^CA[0-9a-fA-F]{32}$'),
	ADD COLUMN check_started_at timestamptz,
	-- When Twilio last confirmed that the number's webhooks point here.
	ADD COLUMN webhooks_set_at timestamptz,
	ADD CONSTRAINT phone_numbers_forwarding_check
		CHECK (connection <> 'forwarding' OR forwarded_from IS NOT NULL),
	ADD CONSTRAINT phone_numbers_twilio_check
		CHECK (connection NOT IN ('platform', 'own_account', 'forwarding')
		       OR (twilio_number_sid IS NOT NULL AND twilio_account_sid IS NOT NULL));

-- The numbers already here came before verification existed and keep routing their calls.
UPDATE phone_numbers SET verified_at = created_at WHERE verified_at IS NULL;

-- The application may add a number and change its label or switch it off, but never say that it
-- is verified or whose Twilio account holds it: only the functions below do, after the provider
-- (or the check call) has shown it.
REVOKE INSERT, UPDATE ON phone_numbers FROM switchboard_app;
GRANT INSERT (org_id, e164, provider, label, active) ON phone_numbers TO switchboard_app;
GRANT UPDATE (label, active, check_call_sid, check_started_at, webhooks_set_at)
	ON phone_numbers TO switchboard_app;

-- Webhook entry: which org owns the number that was called. Unverified and inactive numbers
-- resolve to nothing.
CREATE OR REPLACE FUNCTION org_for_number(p_e164 text)
	RETURNS TABLE (org_id uuid, phone_number_id uuid)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	SELECT n.org_id, n.id FROM phone_numbers n
	WHERE n.e164 = p_e164 AND n.active AND n.verified_at IS NOT NULL
$$;

CREATE OR REPLACE FUNCTION vapi_org_for(p_number text, p_phone_number_id text, p_vapi_call_id text)
	RETURNS uuid
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	SELECT coalesce(
		(SELECT p.org_id FROM phone_numbers p
		 WHERE p.e164 = p_number AND p.active AND p.verified_at IS NOT NULL),
		(SELECT v.org_id FROM vapi_settings v WHERE v.phone_number_id = p_phone_number_id),
		(SELECT c.org_id FROM calls c
		 WHERE c.provider = 'vapi' AND c.provider_call_id = p_vapi_call_id))
$$;

-- Whose Twilio account a webhook about p_number (or, when no verified number matches, about the
-- call p_call_sid) comes from, so its signature is checked with that account's token: the
-- business and the account holding the number (NULL account: the server's, as for numbers from
-- before). No row: the server's account.
CREATE FUNCTION twilio_account_for(p_number text, p_call_sid text)
	RETURNS TABLE (org_id uuid, account_sid text)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	SELECT n.org_id, n.twilio_account_sid FROM phone_numbers n
	WHERE n.e164 = p_number AND n.active AND n.verified_at IS NOT NULL
	UNION ALL
	(SELECT n.org_id, n.twilio_account_sid
	 FROM calls c JOIN phone_numbers n ON n.org_id = c.org_id AND n.id = c.phone_number_id
	 WHERE c.provider = 'twilio' AND c.provider_call_id = p_call_sid
	   AND NOT EXISTS (SELECT 1 FROM phone_numbers m
			   WHERE m.e164 = p_number AND m.active AND m.verified_at IS NOT NULL))
	LIMIT 1
$$;

-- Connect p_e164 to the business of the transaction, the provider having shown that it may:
-- 'platform' (bought by the platform's account) and 'own_account' (listed by the business's own
-- account) are verified at once; 'forwarding' waits for its check call. A number another business
-- has verified is refused (NULL); a row another business only typed gives way, since typing a
-- number proves nothing. Returns the number's id.
CREATE FUNCTION phone_line_connect(p_e164 text, p_connection text, p_number_sid text,
				   p_account_sid text, p_forwarded_from text, p_label text)
	RETURNS uuid
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
DECLARE
	v_org uuid := app_org_id();
	v_id uuid;
BEGIN
	IF v_org IS NULL OR p_connection NOT IN ('platform', 'own_account', 'forwarding') THEN
		RAISE EXCEPTION 'phone_line_connect needs a business and a verified way';
	END IF;
	-- Two businesses connecting one number take turns.
	PERFORM pg_advisory_xact_lock(hashtextextended('phone-line:' || p_e164, 0));
	IF EXISTS (SELECT 1 FROM phone_numbers
		   WHERE e164 = p_e164 AND org_id <> v_org AND verified_at IS NOT NULL) THEN
		RETURN NULL;
	END IF;
	DELETE FROM phone_numbers WHERE e164 = p_e164 AND org_id <> v_org AND verified_at IS NULL;
	INSERT INTO phone_numbers (org_id, e164, label, connection, verified_at, twilio_number_sid,
				   twilio_account_sid, forwarded_from, active)
	VALUES (v_org, p_e164, nullif(p_label, ''), p_connection,
		CASE WHEN p_connection = 'forwarding' THEN NULL ELSE now() END,
		p_number_sid, p_account_sid, p_forwarded_from, true)
	ON CONFLICT (e164) DO UPDATE SET
		connection = EXCLUDED.connection,
		verified_at = CASE WHEN EXCLUDED.connection = 'forwarding'
				   THEN NULL ELSE coalesce(phone_numbers.verified_at, now()) END,
		twilio_number_sid = EXCLUDED.twilio_number_sid,
		twilio_account_sid = EXCLUDED.twilio_account_sid,
		forwarded_from = EXCLUDED.forwarded_from,
		label = coalesce(EXCLUDED.label, phone_numbers.label),
		check_call_sid = NULL, check_started_at = NULL,
		active = true
	RETURNING id INTO v_id;
	RETURN v_id;
END
$$;

-- A call arrived at p_to from p_from: when p_to is a forwarding number waiting for its check and
-- the call is the check call coming back (placed from p_to itself to the business's existing
-- number within the last 15 minutes, and forwarded from that number when the carrier says), the
-- number is verified. Returns its business, or NULL when this was no check call.
CREATE FUNCTION phone_line_check_arrived(p_to text, p_from text, p_forwarded_from text)
	RETURNS uuid
	LANGUAGE sql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	UPDATE phone_numbers SET verified_at = now()
	WHERE e164 = p_to AND p_from = p_to AND connection = 'forwarding' AND active
	  AND verified_at IS NULL AND check_started_at > now() - interval '15 minutes'
	  AND (coalesce(p_forwarded_from, '') = '' OR p_forwarded_from = forwarded_from)
	RETURNING org_id
$$;

-- What customers text to a business's number. kind: message (kept for the owner), opt_out
-- (STOP and its kin), opt_in (START, YES, UNSTOP), help, cancel_request and reschedule_request
-- ("C" or "R" answering a confirmation or reminder; recorded for the owner until the
-- appointments act on them).
CREATE TABLE inbound_messages (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	phone_number_id uuid,
	provider text NOT NULL DEFAULT 'twilio' CHECK (provider ~ '^[a-z][a-z0-9_-]{0,31}$'),
	provider_message_id text NOT NULL CHECK (char_length(provider_message_id) BETWEEN 1 AND 64),
	from_number text NOT NULL CHECK (char_length(from_number) BETWEEN 1 AND 64),
	to_number text NOT NULL CHECK (char_length(to_number) BETWEEN 1 AND 64),
	body text NOT NULL DEFAULT '' CHECK (char_length(body) <= 1600),
	num_media integer NOT NULL DEFAULT 0 CHECK (num_media BETWEEN 0 AND 10),
	kind text NOT NULL DEFAULT 'message'
		CHECK (kind IN ('message', 'opt_out', 'opt_in', 'help', 'cancel_request',
				'reschedule_request')),
	-- The appointment a cancel or reschedule request is about: that of the text it answers.
	appointment_id uuid,
	read_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (provider, provider_message_id),
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, phone_number_id) REFERENCES phone_numbers (org_id, id)
		ON DELETE SET NULL (phone_number_id),
	FOREIGN KEY (org_id, appointment_id) REFERENCES appointments (org_id, id)
		ON DELETE SET NULL (appointment_id)
);
CREATE INDEX inbound_messages_org_created_idx ON inbound_messages (org_id, created_at DESC);
ALTER TABLE inbound_messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inbound_messages
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON inbound_messages TO switchboard_app;

CALL revoke_public_execute();
GRANT EXECUTE ON FUNCTION
	org_for_number(text),
	vapi_org_for(text, text, text),
	twilio_account_for(text, text),
	phone_line_connect(text, text, text, text, text, text),
	phone_line_check_arrived(text, text, text)
	TO switchboard_app;
