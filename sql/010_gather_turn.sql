-- 010_gather_turn: find a provider's call by its call id before the organization is known, for the webhooks that carry a call on (a gather-mode turn).

-- A turn belongs to its call, not to the number it came in on: the call
-- carries on even when the number was released while the caller spoke. No
-- row: the provider asks about a call Switchboard never answered.
CREATE FUNCTION call_by_provider_id(p_provider text, p_provider_call_id text)
	RETURNS TABLE (org_id uuid, call_id uuid)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	SELECT c.org_id, c.id FROM calls c
	WHERE c.provider = p_provider AND c.provider_call_id = p_provider_call_id
$$;

CALL revoke_public_execute();
GRANT EXECUTE ON FUNCTION call_by_provider_id(text, text) TO switchboard_app;
