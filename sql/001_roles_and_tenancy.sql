-- 001_roles_and_tenancy: extensions, schema privileges, the app.org_id tenancy hook, organizations, users and invites.
--
-- Runs as switchboard_owner, which owns every object created here. The
-- application role switchboard_app owns nothing and reaches tenant rows only
-- through row-level security keyed on app_org_id(); the few lookups that
-- happen before the org is known are SECURITY DEFINER functions (003).
--
-- RLS is ENABLEd but deliberately not FORCEd: the owner must bypass it, both
-- for migrations and seeds and because the SECURITY DEFINER functions run as
-- the owner before any app.org_id exists.

-- All three are trusted extensions (PG 13+), so the database owner may create
-- them without superuser: citext for case-insensitive emails, pg_trgm for the
-- leads search box, btree_gist for the appointment exclusion constraint.
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- PG 15 already withholds CREATE on public from PUBLIC; say it anyway so an
-- upgraded cluster with the old default is closed too.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO switchboard_app;

-- The tenant of the current transaction, or NULL when none was set. The app
-- calls set_config('app.org_id', $1, true) so the setting dies with the
-- transaction and a pooled connection never carries one tenant into the next.
CREATE FUNCTION app_org_id() RETURNS uuid
	LANGUAGE sql STABLE PARALLEL SAFE
	AS $$ SELECT nullif(current_setting('app.org_id', true), '')::uuid $$;

-- Keeps updated_at honest without every UPDATE statement having to say so.
CREATE FUNCTION set_updated_at() RETURNS trigger
	LANGUAGE plpgsql
	AS $$
BEGIN
	NEW.updated_at := now();
	RETURN NEW;
END
$$;

-- Wakes the live dashboard: listeners on 'org_events' get the org id and
-- re-read what changed. Postgres folds identical notifications raised in one
-- transaction into one, so a busy call does not flood the channel.
CREATE FUNCTION notify_org_event() RETURNS trigger
	LANGUAGE plpgsql
	AS $$
BEGIN
	PERFORM pg_notify('org_events', NEW.org_id::text);
	RETURN NULL;
END
$$;

-- Removes the default EXECUTE-to-PUBLIC from every function this project
-- defines (extension members are left alone: their operators must stay
-- usable). Each migration ends with CALL revoke_public_execute() and then
-- grants switchboard_app exactly the functions meant for it.
CREATE PROCEDURE revoke_public_execute()
	LANGUAGE plpgsql
	AS $$
DECLARE
	fn regprocedure;
BEGIN
	FOR fn IN
		SELECT p.oid::regprocedure
		FROM pg_proc p
		WHERE p.pronamespace = 'public'::regnamespace
		  AND NOT EXISTS (SELECT 1 FROM pg_depend d
				  WHERE d.classid = 'pg_proc'::regclass
				    AND d.objid = p.oid AND d.deptype = 'e')
	LOOP
		EXECUTE format('REVOKE EXECUTE ON ROUTINE %s FROM PUBLIC', fn);
	END LOOP;
END
$$;

CREATE TABLE organizations (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name text NOT NULL CHECK (btrim(name) <> '' AND char_length(name) <= 200),
	-- Validated against pg_timezone_names by organizations_validate().
	timezone text NOT NULL DEFAULT 'America/New_York',
	-- {"mon":[["08:00","17:00"]], ..., "sun":[]}: local times in timezone;
	-- the shape is checked by organizations_validate().
	business_hours jsonb NOT NULL DEFAULT '{"mon":[["09:00","17:00"]],"tue":[["09:00","17:00"]],"wed":[["09:00","17:00"]],"thu":[["09:00","17:00"]],"fri":[["09:00","17:00"]],"sat":[],"sun":[]}',
	greeting text NOT NULL DEFAULT 'Thanks for calling. How can I help you today?'
		CHECK (char_length(greeting) BETWEEN 1 AND 1000),
	voice_personality text NOT NULL DEFAULT 'friendly'
		CHECK (char_length(voice_personality) BETWEEN 1 AND 500),
	call_mode text NOT NULL DEFAULT 'gather'
		CHECK (call_mode IN ('gather', 'stream', 'vapi')),
	-- Off until the owner has a texting-capable number and consent wording.
	sms_enabled boolean NOT NULL DEFAULT false,
	alert_phone text CHECK (alert_phone ~ '^\+[1-9][0-9]{6,14}$'),
	alert_email text CHECK (alert_email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
	transfer_phone text CHECK (transfer_phone ~ '^\+[1-9][0-9]{6,14}$'),
	-- Calls, turns, recordings and notifications older than this are purged.
	retention_days integer NOT NULL DEFAULT 365
		CHECK (retention_days BETWEEN 1 AND 3650),
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);

-- Checks what a CHECK constraint cannot without a user function: the time
-- zone is one Postgres knows, and business_hours has the documented shape
-- (known day keys, each a list of ["HH:MM","HH:MM"] spans with open < close;
-- an overnight span is two spans on two days). Only built-in functions are
-- used, so the trigger works for switchboard_app without extra grants.
CREATE FUNCTION organizations_validate() RETURNS trigger
	LANGUAGE plpgsql
	AS $$
DECLARE
	day text;
	span jsonb;
BEGIN
	IF TG_OP = 'INSERT' OR NEW.timezone IS DISTINCT FROM OLD.timezone THEN
		IF NOT EXISTS (SELECT 1 FROM pg_timezone_names
			       WHERE name = NEW.timezone) THEN
			RAISE EXCEPTION 'unknown time zone "%"', NEW.timezone
				USING ERRCODE = 'check_violation',
				      COLUMN = 'timezone';
		END IF;
	END IF;
	IF jsonb_typeof(NEW.business_hours) IS DISTINCT FROM 'object' THEN
		RAISE EXCEPTION 'business_hours must be a JSON object'
			USING ERRCODE = 'check_violation',
			      COLUMN = 'business_hours';
	END IF;
	FOR day IN SELECT jsonb_object_keys(NEW.business_hours) LOOP
		IF day NOT IN ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun') THEN
			RAISE EXCEPTION 'business_hours: unknown day "%"', day
				USING ERRCODE = 'check_violation',
				      COLUMN = 'business_hours';
		END IF;
		IF jsonb_typeof(NEW.business_hours -> day) <> 'array' THEN
			RAISE EXCEPTION 'business_hours: "%" must be a list of spans', day
				USING ERRCODE = 'check_violation',
				      COLUMN = 'business_hours';
		END IF;
		FOR span IN SELECT jsonb_array_elements(NEW.business_hours -> day) LOOP
			IF jsonb_typeof(span) <> 'array'
			   OR jsonb_array_length(span) <> 2
			   OR jsonb_typeof(span -> 0) <> 'string'
			   OR jsonb_typeof(span -> 1) <> 'string'
			   OR (span ->> 0) !~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
			   OR (span ->> 1) !~ '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$'
			   OR (span ->> 0) COLLATE "C" >= (span ->> 1) COLLATE "C" THEN
				RAISE EXCEPTION 'business_hours: bad span % on "%"', span, day
					USING ERRCODE = 'check_violation',
					      COLUMN = 'business_hours',
					      HINT = 'use ["HH:MM","HH:MM"] with open before close';
			END IF;
		END LOOP;
	END LOOP;
	RETURN NEW;
END
$$;

CREATE TRIGGER organizations_validate
	BEFORE INSERT OR UPDATE ON organizations
	FOR EACH ROW EXECUTE FUNCTION organizations_validate();
CREATE TRIGGER organizations_updated_at
	BEFORE UPDATE ON organizations
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organizations
	USING (id = app_org_id()) WITH CHECK (id = app_org_id());
-- Organizations are created by signup_organization() only.
GRANT SELECT, UPDATE ON organizations TO switchboard_app;

CREATE TABLE users (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	-- citext + UNIQUE: one login per address across all orgs, whatever
	-- the case the user typed it in.
	email citext NOT NULL UNIQUE
		CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND char_length(email) <= 254),
	password_hash text NOT NULL CHECK (password_hash <> ''),
	role text NOT NULL DEFAULT 'member'
		CHECK (role IN ('owner', 'admin', 'member')),
	name text CHECK (char_length(name) <= 200),
	-- Bumped to invalidate every JWT issued before (logout everywhere,
	-- password change, removal from the team).
	session_version integer NOT NULL DEFAULT 1 CHECK (session_version >= 1),
	failed_logins integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
	locked_until timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	last_login_at timestamptz,
	-- Lets other tables reference (org_id, id) so a row can never point at
	-- another tenant's user: foreign keys are checked without RLS.
	UNIQUE (org_id, id)
);
CREATE INDEX users_org_idx ON users (org_id, created_at);

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON users TO switchboard_app;

CREATE TABLE invites (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	email citext NOT NULL
		CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND char_length(email) <= 254),
	name text CHECK (char_length(name) <= 200),
	-- Ownership is not handed out by link.
	role text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
	-- Only a hash of the emailed token is stored, so a database leak does
	-- not hand out working invitations.
	token_hash text NOT NULL UNIQUE CHECK (token_hash <> ''),
	expires_at timestamptz NOT NULL,
	accepted_at timestamptz,
	created_by uuid,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, created_by) REFERENCES users (org_id, id)
		ON DELETE SET NULL (created_by)
);
-- One open invitation per address and org; re-inviting updates it.
CREATE UNIQUE INDEX invites_pending_uniq ON invites (org_id, email)
	WHERE accepted_at IS NULL;

ALTER TABLE invites ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invites
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON invites TO switchboard_app;

CALL revoke_public_execute();
-- Policies are evaluated as the querying role, so it must be able to call it.
GRANT EXECUTE ON FUNCTION app_org_id() TO switchboard_app;
