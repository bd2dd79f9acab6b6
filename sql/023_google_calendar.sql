-- 023_google_calendar: a business's Google Calendar, both ways: the OAuth grant (sealed tokens,
-- revoked state), the single-use nonces of the connect flow's signed state, the calendars it
-- syncs (sync token, watch channel) and which resource each serves, the event Switchboard keeps
-- for each appointment, and the trigger that queues the event's update on every change of an
-- appointment, whoever made it.

-- The grant: one Google connection per business (account 'google', so UNIQUE (org_id,
-- provider, account) of 002 keeps it one). Tokens are sealed by lib/domain/credentials.
ALTER TABLE calendar_connections
	ADD COLUMN status text NOT NULL DEFAULT 'connected'
		CHECK (status IN ('connected', 'revoked')),
	ADD COLUMN connected_by uuid,
	ADD COLUMN scope text CHECK (char_length(scope) <= 2000),
	ADD COLUMN revoked_at timestamptz,
	ADD FOREIGN KEY (org_id, connected_by) REFERENCES users (org_id, id)
		ON DELETE SET NULL (connected_by);
ALTER TABLE calendar_connections ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS tenant_isolation ON calendar_connections;
CREATE POLICY tenant_isolation ON calendar_connections
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());

-- The nonce of each connect attempt: the signed state names it, and the callback spends it once.
CREATE TABLE google_oauth_states (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	nonce text NOT NULL CHECK (char_length(nonce) BETWEEN 1 AND 64),
	user_id uuid NOT NULL,
	expires_at timestamptz NOT NULL,
	used_at timestamptz,
	UNIQUE (org_id, nonce),
	FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX google_oauth_states_expires_idx ON google_oauth_states (expires_at);
ALTER TABLE google_oauth_states ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON google_oauth_states
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());

-- Which calendar a resource's appointments go to, and whose busy time blocks it.
ALTER TABLE resources ADD COLUMN google_calendar_id text NOT NULL DEFAULT 'primary'
	CHECK (char_length(google_calendar_id) BETWEEN 1 AND 254);

-- A calendar Switchboard syncs: its sync token and its watch channel.
CREATE TABLE google_calendars (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	calendar_id text NOT NULL CHECK (char_length(calendar_id) BETWEEN 1 AND 254),
	sync_token text,
	synced_at timestamptz,
	channel_id text UNIQUE CHECK (char_length(channel_id) <= 64),
	channel_token text,
	channel_resource_id text,
	channel_expires_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, id),
	UNIQUE (org_id, calendar_id)
);
ALTER TABLE google_calendars ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON google_calendars
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());

-- The event Switchboard made for an appointment, and on which calendar (a resource mapped to
-- another calendar moves it there).
CREATE TABLE google_events (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	appointment_id uuid NOT NULL,
	calendar_id text NOT NULL,
	event_id text NOT NULL,
	deleted boolean NOT NULL DEFAULT false,
	-- The times Switchboard last wrote, so the sync tells its own echo from the owner's move.
	pushed_start timestamptz,
	pushed_end timestamptz,
	updated_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, appointment_id),
	FOREIGN KEY (org_id, appointment_id) REFERENCES appointments (org_id, id) ON DELETE CASCADE
);
ALTER TABLE google_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON google_events
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());

-- Every change of an appointment's time, status or resource queues its event's update, for a
-- business with a connected calendar: the receptionist, Vapi, the dashboard and texts all pass
-- here. As the owner, so no program needs rights on jobs beyond its own.
CREATE FUNCTION google_appointment_changed() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
BEGIN
	IF TG_OP = 'UPDATE' AND NEW.starts_at = OLD.starts_at AND NEW.ends_at = OLD.ends_at
	   AND NEW.status = OLD.status
	   AND NEW.resource_id = OLD.resource_id THEN
		RETURN NEW;
	END IF;
	IF EXISTS (SELECT 1 FROM calendar_connections
		   WHERE org_id = NEW.org_id AND provider = 'google' AND status = 'connected') THEN
		INSERT INTO jobs (org_id, kind, payload)
		VALUES (NEW.org_id, 'google.push', jsonb_build_object('appointment_id', NEW.id));
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER appointments_google AFTER INSERT OR UPDATE ON appointments
	FOR EACH ROW EXECUTE FUNCTION google_appointment_changed();

-- A push notification names only its channel: the web front finds the channel's business and
-- token before any business is known.
CREATE FUNCTION google_channel_find(p_channel_id text)
	RETURNS TABLE (org_id uuid, calendar_id text, channel_token text)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	SELECT g.org_id, g.calendar_id, g.channel_token FROM google_calendars g
	JOIN calendar_connections c ON c.org_id = g.org_id AND c.provider = 'google'
	WHERE g.channel_id = p_channel_id AND c.status = 'connected'
$$;

-- The safety net, asked by the job runner every minute: a sync of every connected calendar each
-- quarter hour, and a renewal of each watch channel that expires within a day (or has none).
-- Dedupe keys make a second call within the period (another runner) add nothing. Returns how
-- many jobs were queued.
CREATE FUNCTION google_schedule()
	RETURNS integer
	LANGUAGE sql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	WITH connected AS (
		SELECT g.org_id, g.calendar_id, g.channel_id, g.channel_expires_at
		FROM google_calendars g
		JOIN calendar_connections c ON c.org_id = g.org_id AND c.provider = 'google'
		WHERE c.status = 'connected'
	), queued AS (
		INSERT INTO jobs (org_id, kind, payload, dedupe_key)
		SELECT org_id, 'google.sync', jsonb_build_object('calendar_id', calendar_id),
		       'periodic:' || calendar_id || ':' || floor(extract(epoch FROM now()) / 900)::bigint
		FROM connected
		UNION ALL
		SELECT org_id, 'google.renew', jsonb_build_object('calendar_id', calendar_id),
		       'renew:' || calendar_id || ':' || coalesce(channel_id, 'none')
		FROM connected
		WHERE channel_expires_at IS NULL OR channel_expires_at < now() + interval '1 day'
		ON CONFLICT (org_id, kind, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
		RETURNING 1
	)
	SELECT count(*)::int FROM queued
$$;

-- Key rotation (switchboard-rotate-keys) re-seals calendar tokens too: it walks their
-- businesses as well.
CREATE OR REPLACE FUNCTION provider_credential_orgs()
	RETURNS SETOF uuid
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	SELECT org_id FROM provider_credentials
	UNION
	SELECT org_id FROM calendar_connections
	ORDER BY 1
$$;

REVOKE ALL ON FUNCTION google_appointment_changed(), google_channel_find(text), google_schedule()
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION google_channel_find(text) TO switchboard_web;
GRANT EXECUTE ON FUNCTION google_schedule() TO switchboard_jobs;

-- The settings page connects, maps and disconnects; the job runner refreshes tokens, syncs and
-- keeps the events.
GRANT SELECT, INSERT, UPDATE, DELETE ON calendar_connections, google_oauth_states,
	google_calendars TO switchboard_web;
GRANT SELECT ON google_events TO switchboard_web;
-- Disconnecting, or a calendar no resource uses any more, takes its busy time away.
GRANT DELETE ON busy_blocks TO switchboard_web;
-- The sync records a revoked grant with an audit row (the job runner may write them since 021).
GRANT SELECT, UPDATE ON calendar_connections TO switchboard_jobs;
GRANT SELECT, INSERT, UPDATE, DELETE ON google_calendars, google_events TO switchboard_jobs;
GRANT SELECT ON google_calendars TO switchboard_voice;
