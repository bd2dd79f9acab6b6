-- 016_roles_per_program: one database role per program, each with only what its program does, and the leads view read with the reader's rights.
--
-- Until now switchboard_app served the web front, the voice worker and the job
-- runner alike, so any of them could claim every business's jobs or read any
-- user's password hash through the SECURITY DEFINER look-ups. From here on:
--   switchboard_web    the FastCGI program: pages, sign-in, sign-up, invites,
--                      provider webhooks (everything switchboard_app had, less
--                      the job runner's functions);
--   switchboard_voice  the voice worker: the tables a call reads and writes,
--                      nothing about users, invitations, webhooks or the audit
--                      log, and no SECURITY DEFINER function;
--   switchboard_jobs   the job runner: the tables its jobs touch, the only
--                      role that claims jobs across businesses, and no look-up
--                      made for signing in.
-- scripts/stack.sh creates the roles (LOGIN, no superuser, no BYPASSRLS, a
-- member of nothing) before any migration runs; this file only grants.
-- switchboard_app keeps no privilege and no member; scripts/stack.sh refuses a
-- later migration that grants it one.

-- The web front inherits what earlier migrations gave switchboard_app, as
-- copied from the catalog, so whatever 013-015 granted it reaches the program
-- it was written for; the job runner's functions are taken back below.
DO $$
DECLARE
	g record;
BEGIN
	FOR g IN
		SELECT c.oid::regclass AS rel, c.relkind, a.privilege_type
		FROM pg_class c, aclexplode(c.relacl) a
		WHERE c.relnamespace = 'public'::regnamespace
		  AND a.grantee = 'switchboard_app'::regrole
	LOOP
		EXECUTE format('GRANT %s ON %s %s TO switchboard_web', g.privilege_type,
			       CASE g.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, g.rel);
	END LOOP;
	FOR g IN
		SELECT c.oid::regclass AS rel, att.attname, a.privilege_type
		FROM pg_class c
		JOIN pg_attribute att ON att.attrelid = c.oid AND NOT att.attisdropped,
		     aclexplode(att.attacl) a
		WHERE c.relnamespace = 'public'::regnamespace
		  AND a.grantee = 'switchboard_app'::regrole
	LOOP
		EXECUTE format('GRANT %s (%I) ON %s TO switchboard_web', g.privilege_type,
			       g.attname, g.rel);
	END LOOP;
	FOR g IN
		SELECT p.oid::regprocedure AS fn
		FROM pg_proc p, aclexplode(p.proacl) a
		WHERE p.pronamespace = 'public'::regnamespace
		  AND a.grantee = 'switchboard_app'::regrole
		  AND a.privilege_type = 'EXECUTE'
	LOOP
		EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO switchboard_web', g.fn);
	END LOOP;
END
$$;

-- Then switchboard_app keeps nothing.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM switchboard_app;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM switchboard_app;
REVOKE ALL ON ALL ROUTINES IN SCHEMA public FROM switchboard_app;
REVOKE ALL ON SCHEMA public FROM switchboard_app;

GRANT USAGE ON SCHEMA public TO switchboard_web, switchboard_voice, switchboard_jobs;
-- Policies call app_org_id() as the querying role.
GRANT EXECUTE ON FUNCTION app_org_id() TO switchboard_web, switchboard_voice, switchboard_jobs;

-- No program needs a temporary table. Without TEMP a role cannot define a
-- function of its own (pg_temp is the only schema it could write to), such
-- as a cheap one that prints its arguments, placed in a query to read rows
-- before a filter has dropped them.
DO $$
BEGIN
	EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END
$$;

-- The web front: claiming jobs across businesses, putting back a dead
-- runner's jobs, pruning webhook events and finishing jobs are the job
-- runner's. It still enqueues jobs and shows a lead's jobs.
REVOKE EXECUTE ON FUNCTION
	jobs_claim(text, int, text[]),
	jobs_requeue_stale(interval),
	webhook_events_prune(interval),
	jobs_finish(uuid),
	jobs_fail(uuid, text, boolean)
	FROM switchboard_web;
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON jobs FROM switchboard_web;

-- The voice worker: a call reads the business's settings, services,
-- answers and calendar, and writes the call, its turns and session, the lead,
-- a booking and notifications. users, invites, webhook_events, audit_log and
-- dashboard_buckets are not granted at all.
GRANT SELECT ON
	organizations, phone_numbers, services, knowledge_entries, provider_credentials,
	vapi_settings, opt_outs, calendar_connections, call_a_b_tests
	TO switchboard_voice;
GRANT SELECT, INSERT, UPDATE ON
	calls, call_turns, call_sessions, leads, appointments, notifications, call_responses
	TO switchboard_voice;
-- jobs_enqueue() inserts as the caller and returns the new id; a call shows its own org's jobs only.
GRANT SELECT, INSERT ON jobs TO switchboard_voice;
GRANT EXECUTE ON FUNCTION
	jobs_enqueue(text, jsonb, timestamptz, text),
	appointment_free_starts(timestamptz, interval, uuid, int)
	TO switchboard_voice;

-- The job runner: text messages (notifications, opt-outs), the analysis of a
-- finished call (leads from its turns), call-backs (a new outbound call, the
-- lead's state) and recordings (the call's recording fields).
GRANT SELECT ON
	organizations, phone_numbers, services, knowledge_entries, provider_credentials,
	vapi_settings, opt_outs, lead_notes, calendar_connections, call_a_b_tests
	TO switchboard_jobs;
-- A practice call plays the receptionist inside the job runner, so it writes what a call does.
GRANT SELECT, INSERT, UPDATE ON
	leads, notifications, call_turns, call_sessions, appointments, call_responses
	TO switchboard_jobs;
-- Retention drops old turns and finished jobs.
GRANT DELETE ON call_turns TO switchboard_jobs;
-- A call-back whose call was never placed is deleted again (lib/domain/callback.c).
GRANT SELECT, INSERT, UPDATE, DELETE ON calls TO switchboard_jobs;
GRANT SELECT, INSERT, UPDATE, DELETE ON jobs TO switchboard_jobs;
GRANT EXECUTE ON FUNCTION
	jobs_claim(text, int, text[]),
	jobs_requeue_stale(interval),
	jobs_enqueue(text, jsonb, timestamptz, text),
	jobs_finish(uuid),
	jobs_fail(uuid, text, boolean),
	webhook_events_prune(interval),
	appointment_free_starts(timestamptz, interval, uuid, int)
	TO switchboard_jobs;

-- A database that applied 018 and 019 before this file (they were written
-- alongside it) has the job runner's share of them granted to switchboard_app
-- and so, above, to the web front: hand it to the job runner instead.
DO $$
BEGIN
	IF to_regprocedure('retention_schedule()') IS NOT NULL THEN
		REVOKE EXECUTE ON FUNCTION retention_schedule() FROM switchboard_web;
		GRANT EXECUTE ON FUNCTION retention_schedule() TO switchboard_jobs;
		GRANT EXECUTE ON FUNCTION usage_take(text, text, int) TO switchboard_jobs;
		GRANT SELECT, INSERT, UPDATE, DELETE ON daily_usage TO switchboard_jobs;
	END IF;
	IF to_regclass('practice_runs') IS NOT NULL THEN
		GRANT SELECT, INSERT, UPDATE, DELETE ON practice_runs, practice_calls
			TO switchboard_jobs;
	END IF;
END
$$;

-- The leads list reads this view so that its search can use the trigram
-- index (009). It was read with the owner's rights: row-level security did
-- not apply, and since the view is not a security barrier a condition of the
-- reader's own (a cast that fails on a value, a cheap function) could be
-- evaluated on every business's leads before the view's org filter. With
-- security_invoker the reader's policies apply first, as on the table.
ALTER VIEW org_leads SET (security_invoker = true);
REVOKE ALL ON org_leads FROM switchboard_voice, switchboard_jobs;

-- That puts the search condition behind the policy again, where the trigram
-- index cannot serve it (LIKE is not leakproof). The search itself moves
-- into this function: it runs as the owner with fixed SQL, so nothing of the
-- caller's can run on other businesses' rows, and returns only the ids of
-- the current business's leads whose text (p_like, already lower case) or
-- phone digits (p_digits_like) match; '' matches everything. The list then
-- reads those leads through the view, under row-level security, by primary
-- key. PL/pgSQL with custom plans, so each search is planned for its own
-- pattern (an SQL function would be planned once, blind to it).
CREATE FUNCTION org_leads_matching(p_like text, p_digits_like text)
	RETURNS SETOF uuid
	LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 100
	SET search_path = public, pg_temp
	SET plan_cache_mode = force_custom_plan
	AS $$
BEGIN
	RETURN QUERY
		SELECT l.id FROM leads l
		WHERE l.org_id = app_org_id()
		  AND (p_like = '' OR l.search_lower LIKE p_like)
		  AND (p_digits_like = '' OR l.phone_digits LIKE p_digits_like);
END
$$;
REVOKE EXECUTE ON FUNCTION org_leads_matching(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION org_leads_matching(text, text) TO switchboard_web;

-- Refuse to finish with a program role that can get around row-level
-- security, owns anything, or holds what another program is for.
DO $$
DECLARE
	r text;
	fn text;
BEGIN
	FOREACH r IN ARRAY ARRAY['switchboard_web', 'switchboard_voice', 'switchboard_jobs'] LOOP
		IF EXISTS (SELECT 1 FROM pg_roles
			   WHERE rolname = r AND (rolsuper OR rolbypassrls OR rolcreaterole
						  OR rolcreatedb OR rolreplication)) THEN
			RAISE EXCEPTION '% must be a plain role', r;
		END IF;
		IF EXISTS (SELECT 1 FROM pg_auth_members WHERE member = r::regrole) THEN
			RAISE EXCEPTION '% must be a member of no role', r;
		END IF;
		IF EXISTS (SELECT 1 FROM pg_class WHERE relowner = r::regrole)
		   OR EXISTS (SELECT 1 FROM pg_proc WHERE proowner = r::regrole) THEN
			RAISE EXCEPTION '% must own nothing', r;
		END IF;
	END LOOP;
	FOREACH fn IN ARRAY ARRAY['jobs_claim(text, int, text[])', 'jobs_requeue_stale(interval)'] LOOP
		IF has_function_privilege('switchboard_web', fn, 'EXECUTE')
		   OR has_function_privilege('switchboard_voice', fn, 'EXECUTE') THEN
			RAISE EXCEPTION 'only switchboard_jobs may call %', fn;
		END IF;
	END LOOP;
	FOREACH fn IN ARRAY ARRAY['auth_user_by_email(text)', 'auth_login_failed(uuid, int, interval)',
				  'auth_login_succeeded(uuid)', 'invite_by_token(text)',
				  'invite_accept(text, text)',
				  'signup_organization(text, text, text, text)'] LOOP
		IF has_function_privilege('switchboard_voice', fn, 'EXECUTE')
		   OR has_function_privilege('switchboard_jobs', fn, 'EXECUTE') THEN
			RAISE EXCEPTION 'only switchboard_web may call %', fn;
		END IF;
	END LOOP;
	IF has_column_privilege('switchboard_voice', 'users', 'password_hash', 'SELECT')
	   OR has_column_privilege('switchboard_jobs', 'users', 'password_hash', 'SELECT') THEN
		RAISE EXCEPTION 'only switchboard_web may read users';
	END IF;
END
$$;
