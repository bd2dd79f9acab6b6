-- 020_vapi_number_check: a Vapi phone number id routes a business's Vapi traffic only once the
-- business's own Vapi API key has read it (GET /phone-number/{id}); a typed id proves nothing.

ALTER TABLE vapi_settings ADD COLUMN phone_number_checked_at timestamptz;

-- Ids stored before the check existed were set up by their businesses and keep working.
UPDATE vapi_settings SET phone_number_checked_at = now() WHERE phone_number_id IS NOT NULL;

-- A changed id is unchecked unless the same statement says it was checked, so no update that
-- forgets the column carries an earlier check over to another id.
CREATE FUNCTION vapi_settings_uncheck() RETURNS trigger
	LANGUAGE plpgsql
	AS $$
BEGIN
	IF NEW.phone_number_id IS NULL THEN
		NEW.phone_number_checked_at := NULL;
	ELSIF TG_OP = 'UPDATE' AND NEW.phone_number_id IS DISTINCT FROM OLD.phone_number_id
	      AND NEW.phone_number_checked_at IS NOT DISTINCT FROM OLD.phone_number_checked_at THEN
		NEW.phone_number_checked_at := NULL;
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER vapi_settings_uncheck BEFORE INSERT OR UPDATE ON vapi_settings
	FOR EACH ROW EXECUTE FUNCTION vapi_settings_uncheck();

-- As in 014, but a Vapi phone number id counts only once checked.
CREATE OR REPLACE FUNCTION vapi_org_for(p_number text, p_phone_number_id text, p_vapi_call_id text)
	RETURNS uuid
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	SELECT coalesce(
		(SELECT p.org_id FROM phone_numbers p
		 WHERE p.e164 = p_number AND p.active AND p.verified_at IS NOT NULL),
		(SELECT v.org_id FROM vapi_settings v
		 WHERE v.phone_number_id = p_phone_number_id
		   AND v.phone_number_checked_at IS NOT NULL),
		(SELECT c.org_id FROM calls c
		 WHERE c.provider = 'vapi' AND c.provider_call_id = p_vapi_call_id))
$$;
CALL revoke_public_execute();
