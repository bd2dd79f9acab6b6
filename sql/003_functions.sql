-- 003_functions: the narrow SECURITY DEFINER entry points used before the org is known, job-queue helpers, and final checks.
--
-- A SECURITY DEFINER function runs as switchboard_owner and so bypasses row-
-- level security; each one here does one fixed thing with bound parameters,
-- pins search_path (public for citext, then pg_temp last so a temporary
-- object can never shadow ours) and is executable by switchboard_app only.

-- Webhook entry: which org owns the number that was called. Inactive numbers
-- resolve to nothing, so a released number stops taking calls at once.
CREATE FUNCTION org_for_number(p_e164 text)
	RETURNS TABLE (org_id uuid, phone_number_id uuid)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	SELECT n.org_id, n.id FROM phone_numbers n
	WHERE n.e164 = p_e164 AND n.active
$$;

-- Login: the user with this email (any case), locked or not, so the caller
-- can tell "locked" from "wrong password" itself. No row: no such user.
CREATE FUNCTION auth_user_by_email(p_email text)
	RETURNS TABLE (user_id uuid, org_id uuid, password_hash text, role text,
		       session_version int, failed_logins int, locked_until timestamptz)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	SELECT u.id, u.org_id, u.password_hash, u.role, u.session_version,
	       u.failed_logins, u.locked_until
	FROM users u
	WHERE u.email = p_email::citext
$$;

-- Counts a failed password. On the p_max-th failure in a row the account is
-- locked for p_lock and the counter starts again. Returns locked_until (which
-- may lie in the past), or NULL when the account was never locked or the
-- user does not exist.
CREATE FUNCTION auth_login_failed(p_user_id uuid, p_max int, p_lock interval)
	RETURNS timestamptz
	LANGUAGE sql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	UPDATE users SET
		failed_logins = CASE WHEN failed_logins + 1 >= p_max
				     THEN 0 ELSE failed_logins + 1 END,
		locked_until = CASE WHEN failed_logins + 1 >= p_max
				    THEN now() + p_lock ELSE locked_until END
	WHERE id = p_user_id
	RETURNING locked_until
$$;

-- A correct password: forget earlier failures and any lock, note the time.
CREATE FUNCTION auth_login_succeeded(p_user_id uuid)
	RETURNS void
	LANGUAGE sql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = now()
	WHERE id = p_user_id
$$;

-- Creates an organization and its owner. An email already registered raises
-- unique_violation (23505) and, the call being one statement, leaves no
-- orphan organization; an unknown time zone raises check_violation (23514).
-- p_timezone NULL means the default zone.
CREATE FUNCTION signup_organization(p_org_name text, p_timezone text,
				    p_email text, p_password_hash text)
	RETURNS TABLE (org_id uuid, user_id uuid)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
#variable_conflict use_column
DECLARE
	new_org uuid;
	new_user uuid;
BEGIN
	INSERT INTO organizations (name, timezone)
	VALUES (p_org_name, coalesce(p_timezone, 'America/New_York'))
	RETURNING id INTO new_org;
	INSERT INTO users (org_id, email, password_hash, role)
	VALUES (new_org, p_email, p_password_hash, 'owner')
	RETURNING id INTO new_user;
	RETURN QUERY SELECT new_org, new_user;
END
$$;

-- Accepts a team invitation by the hash of its token: creates the user with
-- the invited email and role and marks the invitation used. Returns no row
-- when the token is unknown, already used or expired. An email that already
-- has an account raises unique_violation (23505).
CREATE FUNCTION invite_accept(p_token_hash text, p_password_hash text)
	RETURNS TABLE (org_id uuid, user_id uuid)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
#variable_conflict use_column
DECLARE
	inv invites%ROWTYPE;
	new_user uuid;
BEGIN
	-- FOR UPDATE: two clicks on the same link cannot both create a user.
	SELECT * INTO inv FROM invites i
	WHERE i.token_hash = p_token_hash
	  AND i.accepted_at IS NULL
	  AND i.expires_at > now()
	FOR UPDATE;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	INSERT INTO users (org_id, email, password_hash, role, name)
	VALUES (inv.org_id, inv.email, p_password_hash, inv.role, inv.name)
	RETURNING id INTO new_user;
	UPDATE invites SET accepted_at = now() WHERE id = inv.id;
	RETURN QUERY SELECT inv.org_id, new_user;
END
$$;

-- Records a provider event the first time its key is seen. Returns
-- inserted = true (and NULL answer) for a first delivery; for a repeat,
-- inserted = false and the answer stored by webhook_event_answer(), which
-- the handler replays unchanged. A repeat whose answer is still NULL means
-- the first delivery is in flight or died before answering. A concurrent
-- duplicate waits for the first transaction, so at most one handler ever
-- sees inserted = true.
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
	ON CONFLICT (provider, event_key) DO NOTHING
	RETURNING id INTO new_id;
	IF new_id IS NOT NULL THEN
		RETURN QUERY SELECT true, NULL::int, NULL::text, NULL::text;
		RETURN;
	END IF;
	RETURN QUERY
		SELECT false, w.response_status, w.response_type, w.response_body
		FROM webhook_events w
		WHERE w.provider = p_provider AND w.event_key = p_event_key;
END
$$;

-- Stores the answer given to an event's first delivery. The first answer
-- sticks: returns false when the event is unknown or already answered.
CREATE FUNCTION webhook_event_answer(p_provider text, p_event_key text,
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
		  AND response_status IS NULL
		RETURNING 1
	)
	SELECT count(*) > 0 FROM answered
$$;

-- Housekeeping for the job runner: webhook_events is not writable by the
-- app and may hold rows of no org, so pruning has to happen here. Returns
-- the number of rows deleted.
CREATE FUNCTION webhook_events_prune(p_older_than interval)
	RETURNS integer
	LANGUAGE sql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	WITH gone AS (
		DELETE FROM webhook_events WHERE received_at < now() - p_older_than
		RETURNING 1
	)
	SELECT count(*)::int FROM gone
$$;

-- Claims up to p_limit due jobs of any org for worker p_worker, oldest
-- run_at first: marks them running, stamps the lock and counts the attempt.
-- Only kinds in p_kinds are claimed: during a rolling upgrade an older runner
-- leaves a newer kind queued for a newer runner instead of failing it.
-- SKIP LOCKED lets runners claim side by side without waiting on or
-- double-claiming each other's rows; a row claimed and committed by another
-- runner meanwhile fails the re-checked status = 'queued' and is dropped.
-- The caller then sets app.org_id to each job's org_id to do the work.
CREATE FUNCTION jobs_claim(p_worker text, p_limit int, p_kinds text[])
	RETURNS SETOF jobs
	LANGUAGE sql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	WITH due AS (
		SELECT id FROM jobs
		WHERE status = 'queued' AND run_at <= now() AND kind = ANY (p_kinds)
		ORDER BY run_at
		LIMIT greatest(p_limit, 0)
		FOR UPDATE SKIP LOCKED
	)
	UPDATE jobs j SET
		status = 'running',
		locked_by = p_worker,
		locked_at = now(),
		attempts = j.attempts + 1
	FROM due
	WHERE j.id = due.id
	RETURNING j.*
$$;

-- Puts back jobs whose runner died: running and locked longer ago than
-- p_older_than. A job that has used all its attempts goes to 'dead' instead.
-- Returns how many jobs were released.
CREATE FUNCTION jobs_requeue_stale(p_older_than interval)
	RETURNS integer
	LANGUAGE sql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	WITH stale AS (
		SELECT id FROM jobs
		WHERE status = 'running' AND locked_at < now() - p_older_than
		FOR UPDATE SKIP LOCKED
	), released AS (
		UPDATE jobs j SET
			status = CASE WHEN j.attempts >= j.max_attempts
				      THEN 'dead' ELSE 'queued' END,
			last_error = 'runner ' || j.locked_by || ' stopped before finishing',
			finished_at = CASE WHEN j.attempts >= j.max_attempts
					   THEN now() END,
			run_at = now(),
			locked_by = NULL,
			locked_at = NULL
		FROM stale
		WHERE j.id = stale.id
		RETURNING 1
	)
	SELECT count(*)::int FROM released
$$;

-- The remaining job helpers run as the caller (SECURITY INVOKER), so row-
-- level security applies: they act only on the org in app.org_id.

-- Enqueues a job for the current org. With a dedupe_key, a second enqueue
-- of the same (kind, key) is ignored and returns NULL; otherwise returns the
-- new job's id. p_run_at NULL means now.
CREATE FUNCTION jobs_enqueue(p_kind text, p_payload jsonb, p_run_at timestamptz,
			     p_dedupe_key text)
	RETURNS uuid
	LANGUAGE sql
	AS $$
	INSERT INTO jobs (org_id, kind, payload, run_at, dedupe_key)
	VALUES (app_org_id(), p_kind, coalesce(p_payload, '{}'),
		coalesce(p_run_at, now()), p_dedupe_key)
	ON CONFLICT (org_id, kind, dedupe_key) WHERE dedupe_key IS NOT NULL
	DO NOTHING
	RETURNING id
$$;

-- Marks a running job done. Returns false if it was not running (e.g. it
-- was requeued as stale and someone else has it now).
CREATE FUNCTION jobs_finish(p_job_id uuid)
	RETURNS boolean
	LANGUAGE sql
	AS $$
	WITH done AS (
		UPDATE jobs SET status = 'done', finished_at = now(), last_error = NULL,
				locked_by = NULL, locked_at = NULL
		WHERE id = p_job_id AND status = 'running'
		RETURNING 1
	)
	SELECT count(*) > 0 FROM done
$$;

-- Records a failed attempt of a running job. With p_retry and attempts
-- left, the job is queued again after an exponential backoff (30 s, 1 min,
-- 2 min, … capped at 1 h); with attempts used up it goes to 'dead'; without
-- p_retry (a permanent error) to 'failed'. Returns the new status, or NULL
-- if the job was not running.
CREATE FUNCTION jobs_fail(p_job_id uuid, p_error text, p_retry boolean)
	RETURNS text
	LANGUAGE sql
	AS $$
	UPDATE jobs SET
		status = CASE WHEN NOT p_retry THEN 'failed'
			      WHEN attempts >= max_attempts THEN 'dead'
			      ELSE 'queued' END,
		run_at = CASE WHEN p_retry AND attempts < max_attempts
			      THEN now() + least(interval '30 seconds'
						 * power(2, greatest(attempts - 1, 0)),
						 interval '1 hour')
			      ELSE run_at END,
		finished_at = CASE WHEN p_retry AND attempts < max_attempts
				   THEN NULL ELSE now() END,
		last_error = left(p_error, 4000),
		locked_by = NULL,
		locked_at = NULL
	WHERE id = p_job_id AND status = 'running'
	RETURNING status
$$;

CALL revoke_public_execute();
GRANT EXECUTE ON FUNCTION
	org_for_number(text),
	auth_user_by_email(text),
	auth_login_failed(uuid, int, interval),
	auth_login_succeeded(uuid),
	signup_organization(text, text, text, text),
	invite_accept(text, text),
	webhook_event_record(text, text, uuid),
	webhook_event_answer(text, text, int, text, text),
	webhook_events_prune(interval),
	jobs_claim(text, int, text[]),
	jobs_requeue_stale(interval),
	jobs_enqueue(text, jsonb, timestamptz, text),
	jobs_finish(uuid),
	jobs_fail(uuid, text, boolean)
	TO switchboard_app;

-- Refuse to finish a migration that left a tenant table unprotected or gave
-- the app role an object: cheaper to catch here than in production.
DO $$
DECLARE
	t record;
BEGIN
	FOR t IN
		SELECT c.oid::regclass AS tbl, c.relrowsecurity,
		       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid) AS has_policy
		FROM pg_class c
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id'
				    AND NOT a.attisdropped
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
	LOOP
		IF NOT t.relrowsecurity OR NOT t.has_policy THEN
			RAISE EXCEPTION 'table % has org_id but no row-level security', t.tbl;
		END IF;
	END LOOP;
	IF EXISTS (SELECT 1 FROM pg_class
		   WHERE relowner = 'switchboard_app'::regrole
		     AND relnamespace = 'public'::regnamespace) THEN
		RAISE EXCEPTION 'switchboard_app must own no relation';
	END IF;
END
$$;
