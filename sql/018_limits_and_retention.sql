-- 018_limits_and_retention: daily caps and allowed countries for texts and call-backs, job
-- claiming that is fair between organizations, webhook event keys scoped to their organization,
-- listing sealed secrets for key rotation, and pruning by retention.

-- What a business may spend on the platform's account each day (in its own time zone), and the
-- countries it may text or call: ITU calling codes without the "+", e.g. {1} or {1,44}. The
-- server's ceilings (SMS_DAILY_CEILING, CALLS_DAILY_CEILING) bound these from above.
ALTER TABLE organizations
	ADD COLUMN sms_daily_limit integer NOT NULL DEFAULT 200
		CHECK (sms_daily_limit BETWEEN 0 AND 100000),
	ADD COLUMN call_daily_limit integer NOT NULL DEFAULT 50
		CHECK (call_daily_limit BETWEEN 0 AND 100000),
	ADD COLUMN allowed_calling_codes text[] NOT NULL DEFAULT '{1}'
		CHECK (cardinality(allowed_calling_codes) <= 50 AND
		       array_to_string(allowed_calling_codes, ',') ~ '^([1-9][0-9]{0,2}(,[1-9][0-9]{0,2})*)?$');

-- 0 now means "keep nothing": no transcript or recording outlives the call's analysis.
ALTER TABLE organizations DROP CONSTRAINT organizations_retention_days_check;
ALTER TABLE organizations ADD CONSTRAINT organizations_retention_days_check
	CHECK (retention_days BETWEEN 0 AND 3650);

-- Texts and calls taken from a day's allowance. A row per (org, channel, local day), counted
-- up under the row lock, so two runners can never both take the last one.
CREATE TABLE daily_usage (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	channel text NOT NULL CHECK (channel IN ('sms', 'call')),
	day date NOT NULL,
	used integer NOT NULL DEFAULT 0 CHECK (used >= 0),
	UNIQUE (org_id, channel, day)
);
ALTER TABLE daily_usage ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON daily_usage
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON daily_usage TO switchboard_web, switchboard_jobs;

-- A text refused by the daily limit says so in its own status.
ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
	CHECK (status IN ('queued', 'sent', 'logged', 'failed', 'skipped', 'limited'));

-- Takes one text (p_channel 'sms') or call ('call') to p_to from the current organization's
-- allowance for today, at most p_ceiling a day whatever the business set. Returns one row:
-- refusal NULL when it may go out (and it is counted), else refusal 'country' or 'limit' and
-- a reason for the pages. Runs as the caller: only the org in app.org_id is touched.
CREATE FUNCTION usage_take(p_channel text, p_to text, p_ceiling int)
	RETURNS TABLE (refusal text, reason text)
	LANGUAGE plpgsql
	AS $$
DECLARE
	org organizations%ROWTYPE;
	cap int;
	taken int;
	what text := CASE WHEN p_channel = 'sms' THEN 'send % texts' ELSE 'place % calls' END;
	undone text := CASE WHEN p_channel = 'sms' THEN 'not sent' ELSE 'not placed' END;
BEGIN
	SELECT * INTO org FROM organizations WHERE id = app_org_id();
	IF NOT FOUND THEN
		RETURN QUERY SELECT 'limit'::text, 'the business is unknown'::text;
		RETURN;
	END IF;
	-- Calling codes are prefix-free (ITU E.164), so a prefix match is exact.
	IF NOT EXISTS (SELECT 1 FROM unnest(org.allowed_calling_codes) c
		       WHERE p_to LIKE '+' || c || '%') THEN
		RETURN QUERY SELECT 'country'::text, format(
			'%s is outside the countries this business may reach (allowed calling codes: %s); %s',
			left(p_to, 4) || '…', coalesce(nullif('+' || array_to_string(
				org.allowed_calling_codes, ', +'), '+'), 'none'), undone);
		RETURN;
	END IF;
	cap := least(CASE WHEN p_channel = 'sms' THEN org.sms_daily_limit
			  ELSE org.call_daily_limit END, greatest(p_ceiling, 0));
	INSERT INTO daily_usage AS u (org_id, channel, day, used)
	VALUES (org.id, p_channel, (now() AT TIME ZONE org.timezone)::date, 1)
	ON CONFLICT (org_id, channel, day) DO UPDATE SET used = u.used + 1
		WHERE u.used < cap
	RETURNING u.used INTO taken;
	IF taken IS NULL OR taken > cap THEN
		IF taken IS NOT NULL THEN
			-- The first of the day under a cap of 0: give it back.
			DELETE FROM daily_usage WHERE org_id = org.id AND channel = p_channel
				AND day = (now() AT TIME ZONE org.timezone)::date AND used = 1;
		END IF;
		RETURN QUERY SELECT 'limit'::text, format(
			'daily limit reached: this business may %s a day; %s',
			replace(what, '%', cap::text), undone);
		RETURN;
	END IF;
	RETURN QUERY SELECT NULL::text, NULL::text;
END
$$;

-- Webhook event keys belong to the organization the event is for: one business cannot
-- pre-record a key another will receive and have its answer replayed. Events of no
-- organization keep a NULL org_id, match one another, and never match an organization's.
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_provider_event_key_key;
ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_org_key
	UNIQUE NULLS NOT DISTINCT (org_id, provider, event_key);

DROP FUNCTION webhook_event_record(text, text, uuid);
DROP FUNCTION webhook_event_answer(text, text, int, text, text);

-- As in 003, per organization: records an event the first time (org, provider, key) is seen;
-- a repeat returns the stored answer.
CREATE FUNCTION webhook_event_record(p_provider text, p_event_key text, p_org_id uuid)
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
		RETURN;
	END IF;
	RETURN QUERY
		SELECT false, w.response_status, w.response_type, w.response_body
		FROM webhook_events w
		WHERE w.provider = p_provider AND w.event_key = p_event_key
		  AND w.org_id IS NOT DISTINCT FROM p_org_id;
END
$$;

-- Stores the answer to the first delivery of (org, provider, key); the first answer sticks.
CREATE FUNCTION webhook_event_answer(p_provider text, p_event_key text, p_org_id uuid,
				     p_status int, p_type text, p_body text)
	RETURNS boolean
	LANGUAGE sql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	WITH answered AS (
		UPDATE webhook_events SET
			response_status = p_status,
			response_type = p_type,
			response_body = p_body,
			answered_at = now()
		WHERE provider = p_provider AND event_key = p_event_key
		  AND org_id IS NOT DISTINCT FROM p_org_id
		  AND response_status IS NULL
		RETURNING 1
	)
	SELECT count(*) > 0 FROM answered
$$;

-- Fair claiming: organizations with due work take turns. The (at most p_limit) organizations
-- whose oldest due job is oldest each get their oldest due job into the batch, then their
-- second, and so on, so one business's ten thousand queued texts cannot delay another's
-- reminder by more than a turn. Organizations with due jobs are found by a skip scan of
-- jobs_org_due_idx (one probe each, not one per job). Each pick locks only the row it takes,
-- SKIP LOCKED, so runners claim side by side as before, passing over each other's rows. The
-- rows come back in the order they should run.
CREATE INDEX jobs_org_due_idx ON jobs (org_id, run_at) WHERE status = 'queued';

DROP FUNCTION jobs_claim(text, int, text[]);
CREATE FUNCTION jobs_claim(p_worker text, p_limit int, p_kinds text[])
	RETURNS SETOF jobs
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
DECLARE
	heads uuid[];
	head uuid;
	picked uuid;
	taken int := 0;
	progress boolean := true;
BEGIN
	IF p_limit IS NULL OR p_limit <= 0 THEN
		RETURN;
	END IF;
	WITH RECURSIVE orgs AS (
		(SELECT org_id FROM jobs
		 WHERE status = 'queued' AND run_at <= now() AND kind = ANY (p_kinds)
		 ORDER BY org_id LIMIT 1)
		UNION ALL
		SELECT (SELECT j.org_id FROM jobs j
			WHERE j.status = 'queued' AND j.run_at <= now() AND j.kind = ANY (p_kinds)
			  AND j.org_id > o.org_id
			ORDER BY j.org_id LIMIT 1)
		FROM orgs o WHERE o.org_id IS NOT NULL
	), oldest AS (
		SELECT o.org_id,
		       (SELECT min(j.run_at) FROM jobs j
			WHERE j.org_id = o.org_id AND j.status = 'queued' AND j.run_at <= now()
			  AND j.kind = ANY (p_kinds)) AS due
		FROM orgs o WHERE o.org_id IS NOT NULL
		ORDER BY due LIMIT p_limit
	)
	SELECT array_agg(org_id ORDER BY due) INTO heads FROM oldest;
	WHILE progress AND taken < p_limit AND heads IS NOT NULL LOOP
		progress := false;
		FOREACH head IN ARRAY heads LOOP
			EXIT WHEN taken >= p_limit;
			SELECT id INTO picked FROM jobs
			WHERE org_id = head AND status = 'queued' AND run_at <= now()
			  AND kind = ANY (p_kinds)
			ORDER BY run_at LIMIT 1
			FOR UPDATE SKIP LOCKED;
			CONTINUE WHEN picked IS NULL;
			RETURN QUERY
				UPDATE jobs j SET
					status = 'running',
					locked_by = p_worker,
					locked_at = now(),
					attempts = j.attempts + 1
				WHERE j.id = picked
				RETURNING j.*;
			taken := taken + 1;
			progress := true;
		END LOOP;
	END LOOP;
END
$$;

-- Key rotation walks every organization that holds a sealed secret; the table itself stays
-- behind row-level security, read one organization at a time.
CREATE FUNCTION provider_credential_orgs()
	RETURNS SETOF uuid
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	SELECT DISTINCT org_id FROM provider_credentials ORDER BY org_id
$$;

-- Queues today's retention job for every organization; a second call the same day (another
-- runner, a restart) adds nothing. Returns how many were queued.
CREATE FUNCTION retention_schedule()
	RETURNS integer
	LANGUAGE sql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	WITH queued AS (
		INSERT INTO jobs (org_id, kind, payload, dedupe_key)
		SELECT id, 'retention.prune', '{}', 'retention:' || current_date
		FROM organizations
		ON CONFLICT (org_id, kind, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
		RETURNING 1
	)
	SELECT count(*)::int FROM queued
$$;

-- A business that keeps nothing stores no recording: the link a provider reports is dropped
-- as it arrives, and the call says it has none. (The transcript is dropped once the call's
-- analysis has run: retention.c.)
CREATE FUNCTION calls_keep_nothing() RETURNS trigger
	LANGUAGE plpgsql
	AS $$
BEGIN
	IF (NEW.recording_url IS NOT NULL OR NEW.recording_status <> 'none') AND EXISTS (
		SELECT 1 FROM organizations WHERE id = NEW.org_id AND retention_days = 0) THEN
		NEW.recording_url := NULL;
		NEW.recording_status := 'none';
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER calls_keep_nothing
	BEFORE INSERT OR UPDATE OF recording_url, recording_status ON calls
	FOR EACH ROW EXECUTE FUNCTION calls_keep_nothing();

CALL revoke_public_execute();
-- Each program role gets what it calls (016): the web front takes webhook events, places a
-- call-back or text now and runs key rotation; the job runner claims jobs and queues retention.
GRANT EXECUTE ON FUNCTION usage_take(text, text, int) TO switchboard_web, switchboard_jobs;
GRANT EXECUTE ON FUNCTION
	webhook_event_record(text, text, uuid),
	webhook_event_answer(text, text, uuid, int, text, text),
	provider_credential_orgs()
	TO switchboard_web;
GRANT EXECUTE ON FUNCTION
	jobs_claim(text, int, text[]),
	retention_schedule()
	TO switchboard_jobs;
