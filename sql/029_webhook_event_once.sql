-- 029_webhook_event_once: a webhook event written once, with its answer, at the end of the request's one transaction; calls without the indexes nothing reads.
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

-- Every new call is written into each index of calls (ten before this). Two serve no query:
-- calls_live_idx (002) is partial on status IN ('queued', 'ringing', 'in-progress'), and no
-- statement in cgi/, lib/, worker/ or sql/ asks for calls by those statuses (the dashboard
-- reads its figures from dashboard_buckets, its events by date); calls_org_from_idx (002)
-- would serve calls looked up by the caller's number, and the one statement that does (a
-- returning caller, lib/domain/leads.c) asks for from_number OR to_number, which an index on
-- from_number alone cannot answer (a BitmapOr needs an index for each side), so it reads
-- calls_org_started_id_idx. What stays: the primary key and (org_id, id)
-- (foreign keys), (provider, provider_call_id) (a webhook's call), (org_id, lead_id) (the
-- lead page), and the calls list's four (by date, status, direction, booked).
DROP INDEX calls_live_idx;
DROP INDEX calls_org_from_idx;
