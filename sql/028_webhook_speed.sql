-- 028_webhook_speed: a new call's transaction made cheap: look-ups planned once per connection, and the dashboard's counts kept without one row every call of a business waits for.
--
-- Measured with pg_stat_statements (tests/bench/run webhook): the look-ups a webhook makes
-- before its business is known were LANGUAGE sql functions. A SECURITY DEFINER or SET
-- function is never inlined, so its body was parsed and planned again on every call (0.1 to
-- 0.7 ms each, for a statement that runs in 10 to 30 µs). PL/pgSQL keeps each statement's plan
-- for the life of the connection, so the same look-ups are rewritten in it, same signatures,
-- same rights, same results.
--
-- The quarter-hour counts of 004 were one row per business and quarter hour, updated by every
-- call's transaction and locked until it commits: a business's calls queued on that row one
-- commit (one WAL flush) at a time, 20 ms each under load. Each row is now one of eight slots,
-- chosen by the server process, so calls written side by side take different rows; the
-- dashboard already sums the rows of a day, so it reads them unchanged. A removal (a deleted
-- call or business) still only updates what is there: it takes its counts off the first slot.

ALTER TABLE dashboard_buckets ADD COLUMN slot smallint NOT NULL DEFAULT 0
	CHECK (slot BETWEEN 0 AND 7);
ALTER TABLE dashboard_buckets DROP CONSTRAINT dashboard_buckets_org_id_bucket_key;
ALTER TABLE dashboard_buckets ADD CONSTRAINT dashboard_buckets_org_bucket_slot_key
	UNIQUE (org_id, bucket, slot);

CREATE OR REPLACE FUNCTION dashboard_bucket_add(org uuid, happened timestamptz, sign integer,
						n_calls integer, n_missed integer,
						n_answered integer, n_booked integer,
						seconds bigint, n_durations integer,
						n_bookings integer)
	RETURNS void
	LANGUAGE plpgsql
	SET search_path = public, pg_temp
	AS $$
DECLARE
	quarter timestamptz := date_bin('15 minutes', happened, timestamptz '2000-01-01 00:00+00');
BEGIN
	IF sign < 0 THEN
		UPDATE dashboard_buckets
		SET calls = calls - n_calls, missed = missed - n_missed,
		    answered = answered - n_answered, booked = booked - n_booked,
		    duration_sum = duration_sum - seconds,
		    duration_count = duration_count - n_durations,
		    bookings = bookings - n_bookings
		WHERE id = (SELECT d.id FROM dashboard_buckets d
			    WHERE d.org_id = org AND d.bucket = quarter
			    ORDER BY d.slot LIMIT 1);
		RETURN;
	END IF;
	INSERT INTO dashboard_buckets AS b (org_id, bucket, slot, calls, missed, answered, booked,
					    duration_sum, duration_count, bookings)
	VALUES (org, quarter, pg_backend_pid() % 8, n_calls, n_missed, n_answered, n_booked,
		seconds, n_durations, n_bookings)
	ON CONFLICT (org_id, bucket, slot) DO UPDATE
	SET calls = b.calls + EXCLUDED.calls, missed = b.missed + EXCLUDED.missed,
	    answered = b.answered + EXCLUDED.answered, booked = b.booked + EXCLUDED.booked,
	    duration_sum = b.duration_sum + EXCLUDED.duration_sum,
	    duration_count = b.duration_count + EXCLUDED.duration_count,
	    bookings = b.bookings + EXCLUDED.bookings;
END
$$;

-- A new call, and a call whose status, booking or duration changed within its quarter hour
-- (every call, one to three times), are counted by one statement here: the difference between
-- the row before and after, added to a slot. Anything else (a deletion, a call moved to another
-- business or quarter hour) takes the old row's counts away and adds the new row's, as before.
-- What counts is dashboard_call_add's (004, 019): test calls from the browser do not.
CREATE OR REPLACE FUNCTION calls_dashboard_count() RETURNS trigger
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
DECLARE
	d_calls integer := 0;
	d_missed integer := 0;
	d_answered integer := 0;
	d_booked integer := 0;
	d_seconds bigint := 0;
	d_durations integer := 0;
	was_answered boolean;
	was_timed boolean;
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM dashboard_call_add(OLD, -1);
		RETURN NULL;
	END IF;
	IF TG_OP = 'UPDATE' AND (OLD.org_id IS DISTINCT FROM NEW.org_id
	    OR OLD.provider IS DISTINCT FROM NEW.provider
	    OR date_bin('15 minutes', OLD.started_at, timestamptz '2000-01-01 00:00+00')
	       IS DISTINCT FROM
	       date_bin('15 minutes', NEW.started_at, timestamptz '2000-01-01 00:00+00')) THEN
		PERFORM dashboard_call_add(OLD, -1);
		PERFORM dashboard_call_add(NEW, 1);
		RETURN NULL;
	END IF;
	IF NEW.provider = 'browser' THEN
		RETURN NULL;
	END IF;
	was_answered := NEW.status IN ('in-progress', 'completed', 'transferred');
	was_timed := NEW.status IN ('completed', 'transferred') AND NEW.duration_seconds IS NOT NULL;
	d_calls := 1;
	d_missed := (NEW.direction = 'inbound' AND NEW.status IN ('missed', 'no-answer', 'busy'))::integer;
	d_answered := (NEW.direction = 'inbound' AND was_answered)::integer;
	d_booked := (NEW.direction = 'inbound' AND was_answered AND NEW.booked)::integer;
	IF was_timed THEN
		d_seconds := NEW.duration_seconds;
		d_durations := 1;
	END IF;
	IF TG_OP = 'UPDATE' THEN
		was_answered := OLD.status IN ('in-progress', 'completed', 'transferred');
		was_timed := OLD.status IN ('completed', 'transferred')
			     AND OLD.duration_seconds IS NOT NULL;
		d_calls := d_calls - 1;
		d_missed := d_missed - (OLD.direction = 'inbound'
					AND OLD.status IN ('missed', 'no-answer', 'busy'))::integer;
		d_answered := d_answered - (OLD.direction = 'inbound' AND was_answered)::integer;
		d_booked := d_booked - (OLD.direction = 'inbound' AND was_answered
					AND OLD.booked)::integer;
		IF was_timed THEN
			d_seconds := d_seconds - OLD.duration_seconds;
			d_durations := d_durations - 1;
		END IF;
	END IF;
	IF d_calls = 0 AND d_missed = 0 AND d_answered = 0 AND d_booked = 0 AND d_seconds = 0
	   AND d_durations = 0 THEN
		RETURN NULL;
	END IF;
	INSERT INTO dashboard_buckets AS b (org_id, bucket, slot, calls, missed, answered, booked,
					    duration_sum, duration_count)
	VALUES (NEW.org_id, date_bin('15 minutes', NEW.started_at, timestamptz '2000-01-01 00:00+00'),
		pg_backend_pid() % 8, d_calls, d_missed, d_answered, d_booked, d_seconds,
		d_durations)
	ON CONFLICT (org_id, bucket, slot) DO UPDATE
	SET calls = b.calls + EXCLUDED.calls, missed = b.missed + EXCLUDED.missed,
	    answered = b.answered + EXCLUDED.answered, booked = b.booked + EXCLUDED.booked,
	    duration_sum = b.duration_sum + EXCLUDED.duration_sum,
	    duration_count = b.duration_count + EXCLUDED.duration_count;
	RETURN NULL;
END
$$;

-- Every call row written is written into each index of calls (eleven): (org_id, started_at)
-- is the first half of 005's (org_id, started_at, id), which serves every query it served.
DROP INDEX calls_org_started_idx;

-- The look-ups of 003, 010, 014 and 018, as they were, in PL/pgSQL.
CREATE OR REPLACE FUNCTION org_for_number(p_e164 text)
	RETURNS TABLE (org_id uuid, phone_number_id uuid)
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
BEGIN
	RETURN QUERY
		SELECT n.org_id, n.id FROM phone_numbers n
		WHERE n.e164 = p_e164 AND n.active AND n.verified_at IS NOT NULL;
END
$$;

CREATE OR REPLACE FUNCTION twilio_account_for(p_number text, p_call_sid text)
	RETURNS TABLE (org_id uuid, account_sid text)
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
BEGIN
	RETURN QUERY
		SELECT n.org_id, n.twilio_account_sid FROM phone_numbers n
		WHERE n.e164 = p_number AND n.active AND n.verified_at IS NOT NULL
		LIMIT 1;
	IF FOUND THEN
		RETURN;
	END IF;
	RETURN QUERY
		SELECT n.org_id, n.twilio_account_sid
		FROM calls c JOIN phone_numbers n ON n.org_id = c.org_id AND n.id = c.phone_number_id
		WHERE c.provider = 'twilio' AND c.provider_call_id = p_call_sid
		LIMIT 1;
END
$$;

-- twilio_account_for and org_for_number in one: the signature check of a call's webhook and
-- the handler then need one look-up, not two. phone_number_id is the verified number's (as
-- org_for_number gives it), NULL when the business was found by the call instead.
CREATE FUNCTION twilio_line_for(p_number text, p_call_sid text)
	RETURNS TABLE (org_id uuid, account_sid text, phone_number_id uuid)
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
BEGIN
	RETURN QUERY
		SELECT n.org_id, n.twilio_account_sid, n.id FROM phone_numbers n
		WHERE n.e164 = p_number AND n.active AND n.verified_at IS NOT NULL
		LIMIT 1;
	IF FOUND THEN
		RETURN;
	END IF;
	RETURN QUERY
		SELECT n.org_id, n.twilio_account_sid, NULL::uuid
		FROM calls c JOIN phone_numbers n ON n.org_id = c.org_id AND n.id = c.phone_number_id
		WHERE c.provider = 'twilio' AND c.provider_call_id = p_call_sid
		LIMIT 1;
END
$$;

CREATE OR REPLACE FUNCTION call_by_provider_id(p_provider text, p_provider_call_id text)
	RETURNS TABLE (org_id uuid, call_id uuid)
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
BEGIN
	RETURN QUERY
		SELECT c.org_id, c.id FROM calls c
		WHERE c.provider = p_provider AND c.provider_call_id = p_provider_call_id;
END
$$;

-- A plan PL/pgSQL keeps is a generic one, and "org_id IS NOT DISTINCT FROM $3" cannot use the
-- (org_id, provider, event_key) index of 018: that plan scanned every event. Events of no
-- organization and an organization's are looked for apart, each by the index.
CREATE OR REPLACE FUNCTION webhook_event_answer(p_provider text, p_event_key text,
						p_org_id uuid, p_status int, p_type text,
						p_body text)
	RETURNS boolean
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
BEGIN
	IF p_org_id IS NULL THEN
		UPDATE webhook_events SET
			response_status = p_status, response_type = p_type,
			response_body = p_body, answered_at = now()
		WHERE org_id IS NULL AND provider = p_provider AND event_key = p_event_key
		  AND response_status IS NULL;
	ELSE
		UPDATE webhook_events SET
			response_status = p_status, response_type = p_type,
			response_body = p_body, answered_at = now()
		WHERE org_id = p_org_id AND provider = p_provider AND event_key = p_event_key
		  AND response_status IS NULL;
	END IF;
	RETURN FOUND;
END
$$;

CREATE OR REPLACE FUNCTION webhook_event_record(p_provider text, p_event_key text, p_org_id uuid)
	RETURNS TABLE (inserted bool, response_status int, response_type text,
		       response_body text)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
#variable_conflict use_column
DECLARE
	new_id uuid;
BEGIN
	INSERT INTO webhook_events (provider, event_key, org_id)
	VALUES (p_provider, p_event_key, p_org_id)
	ON CONFLICT ON CONSTRAINT webhook_events_org_key DO NOTHING
	RETURNING id INTO new_id;
	IF new_id IS NOT NULL THEN
		RETURN QUERY SELECT true, NULL::int, NULL::text, NULL::text;
	ELSIF p_org_id IS NULL THEN
		RETURN QUERY
			SELECT false, w.response_status, w.response_type, w.response_body
			FROM webhook_events w
			WHERE w.org_id IS NULL AND w.provider = p_provider
			  AND w.event_key = p_event_key;
	ELSE
		RETURN QUERY
			SELECT false, w.response_status, w.response_type, w.response_body
			FROM webhook_events w
			WHERE w.org_id = p_org_id AND w.provider = p_provider
			  AND w.event_key = p_event_key;
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION jobs_enqueue(p_kind text, p_payload jsonb, p_run_at timestamptz,
				       p_dedupe_key text)
	RETURNS uuid
	LANGUAGE plpgsql
	AS $$
DECLARE
	new_id uuid;
BEGIN
	INSERT INTO jobs (org_id, kind, payload, run_at, dedupe_key)
	VALUES (app_org_id(), p_kind, coalesce(p_payload, '{}'),
		coalesce(p_run_at, now()), p_dedupe_key)
	ON CONFLICT (org_id, kind, dedupe_key) WHERE dedupe_key IS NOT NULL
	DO NOTHING
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;

CALL revoke_public_execute();
GRANT EXECUTE ON FUNCTION twilio_line_for(text, text) TO switchboard_web;
