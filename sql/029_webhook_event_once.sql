-- 029_webhook_event_once: a webhook event written once, with its answer, at the end of the request's one transaction.
--
-- A webhook is handled in one transaction (028), so recording the event when it arrives and
-- storing its answer when it leaves wrote the same row twice (an INSERT into four indexes, then
-- an UPDATE leaving a dead version). Now webhook_event_take() waits for the event's
-- transaction-scoped advisory lock and returns the stored answer, if any; the handler works;
-- webhook_event_keep() inserts the event with its answer, and the commit makes both durable.
-- A retry that arrives meanwhile waits on the lock until the first delivery commits (or rolls
-- back), then finds its answer (or none, and does the work itself): what the row lock of the
-- first INSERT gave before. webhook_event_record() and webhook_event_answer() stay for
-- handlers that keep the event recorded across transactions of their own.

-- VOLATILE on purpose: the look-up after the wait must take a snapshot of its own, one that
-- sees what the delivery waited for committed.
CREATE FUNCTION webhook_event_take(p_provider text, p_event_key text, p_org_id uuid)
	RETURNS TABLE (response_status int, response_type text, response_body text)
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
#variable_conflict use_column
BEGIN
	PERFORM pg_advisory_xact_lock(hashtextextended(
		'webhook-event:' || p_provider || ':' || p_event_key, 0));
	-- An organization's events and those of none apart, so each plan kept uses the index.
	IF p_org_id IS NULL THEN
		RETURN QUERY
			SELECT w.response_status, w.response_type, w.response_body
			FROM webhook_events w
			WHERE w.org_id IS NULL AND w.provider = p_provider
			  AND w.event_key = p_event_key AND w.response_status IS NOT NULL;
	ELSE
		RETURN QUERY
			SELECT w.response_status, w.response_type, w.response_body
			FROM webhook_events w
			WHERE w.org_id = p_org_id AND w.provider = p_provider
			  AND w.event_key = p_event_key AND w.response_status IS NOT NULL;
	END IF;
END
$$;

-- The event and its answer in one row. An event recorded earlier without an answer (by
-- webhook_event_record) gets this one; an answered event keeps its first answer.
CREATE FUNCTION webhook_event_keep(p_provider text, p_event_key text, p_org_id uuid,
				   p_status int, p_type text, p_body text)
	RETURNS void
	LANGUAGE plpgsql VOLATILE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
BEGIN
	INSERT INTO webhook_events AS w (provider, event_key, org_id, response_status,
					 response_type, response_body, answered_at)
	VALUES (p_provider, p_event_key, p_org_id, p_status, p_type, p_body, now())
	ON CONFLICT ON CONSTRAINT webhook_events_org_key DO UPDATE
	SET response_status = EXCLUDED.response_status, response_type = EXCLUDED.response_type,
	    response_body = EXCLUDED.response_body, answered_at = EXCLUDED.answered_at
	WHERE w.response_status IS NULL;
END
$$;

CALL revoke_public_execute();
GRANT EXECUTE ON FUNCTION
	webhook_event_take(text, text, uuid),
	webhook_event_keep(text, text, uuid, int, text, text)
	TO switchboard_web;

