-- 022_reminders: appointment reminders by text, rescheduling by text, and the private calendar
-- feeds an owner subscribes to from Outlook or Apple Calendar.

-- Reminders per business: two of them, each a number of minutes before the appointment (NULL:
-- that one is off), and a switch for both.
ALTER TABLE organizations
	ADD COLUMN reminders_enabled boolean NOT NULL DEFAULT true,
	ADD COLUMN reminder_first_minutes integer DEFAULT 1440
		CHECK (reminder_first_minutes BETWEEN 10 AND 20160),
	ADD COLUMN reminder_second_minutes integer DEFAULT 60
		CHECK (reminder_second_minutes BETWEEN 10 AND 20160);

-- When the appointment's current time was set: at booking, and again at each move. A reminder
-- whose moment had already passed by then (by more than a little) is not sent late.
ALTER TABLE appointments ADD COLUMN time_set_at timestamptz;
UPDATE appointments SET time_set_at = created_at;
ALTER TABLE appointments
	ALTER COLUMN time_set_at SET DEFAULT now(),
	ALTER COLUMN time_set_at SET NOT NULL;

CREATE FUNCTION appointments_time_set() RETURNS trigger
	LANGUAGE plpgsql
	AS $$
BEGIN
	IF NEW.starts_at IS DISTINCT FROM OLD.starts_at THEN
		NEW.time_set_at := now();
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER appointments_time_set BEFORE UPDATE OF starts_at ON appointments
	FOR EACH ROW EXECUTE FUNCTION appointments_time_set();

-- The reminder scan looks only at open appointments still to come, across businesses.
CREATE INDEX appointments_open_starts_idx ON appointments (starts_at)
	WHERE status IN ('scheduled', 'confirmed');

-- Each reminder queued, for the start time it was queued for: the mark outlives the job, which
-- the daily retention job may delete (PRUNE_AFTER_DAYS) long before the appointment, so a
-- later scan never queues that reminder again.
CREATE TABLE reminder_marks (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	appointment_id uuid NOT NULL,
	reminder text NOT NULL CHECK (reminder IN ('first', 'second')),
	starts_at timestamptz NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, appointment_id, reminder, starts_at),
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, appointment_id) REFERENCES appointments (org_id, id) ON DELETE CASCADE
);
ALTER TABLE reminder_marks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON reminder_marks
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
-- A reminder.send job that finds its appointment moved gives its mark back; the pages may
-- say which reminders went.
GRANT SELECT, DELETE ON reminder_marks TO switchboard_jobs;
GRANT SELECT ON reminder_marks TO switchboard_web;

-- Queues a "reminder.send" job for every reminder now due, across businesses; returns how many.
-- A reminder is due from its moment (starts_at minus its minutes) until the appointment starts,
-- unless a nearer reminder of the same appointment is due too (that one alone goes), or the
-- time was set (booked or moved) more than 15 minutes after that moment: a reminder a day
-- ahead is pointless for an appointment booked two hours ahead. The job's key names the
-- appointment, the reminder and the start time, so however often this runs, and however many
-- runners call it at once, each reminder of each start time is queued once (reminder_marks,
-- and the jobs' own dedupe key); a moved appointment has a new start time and so reminders of
-- its own.
CREATE FUNCTION reminders_schedule()
	RETURNS integer
	LANGUAGE sql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	WITH wanted AS (
		SELECT a.org_id, a.id, r.which, r.minutes,
		       extract(epoch FROM a.starts_at)::bigint AS starts,
		       a.starts_at, a.time_set_at,
		       o.reminder_first_minutes AS first, o.reminder_second_minutes AS second
		FROM appointments a
		JOIN organizations o ON o.id = a.org_id AND o.reminders_enabled
		CROSS JOIN LATERAL (VALUES ('first', o.reminder_first_minutes),
			('second', o.reminder_second_minutes)) AS r (which, minutes)
		WHERE a.status IN ('scheduled', 'confirmed')
		  AND a.starts_at > now() AND a.starts_at <= now() + interval '15 days'
		  AND coalesce(a.customer_phone, '') <> ''
		  AND r.minutes IS NOT NULL
		  AND a.starts_at - make_interval(mins => r.minutes) <= now()
	), due AS (
		SELECT * FROM wanted w
		WHERE w.time_set_at <= w.starts_at - make_interval(mins => w.minutes)
					+ interval '15 minutes'
		  AND NOT EXISTS (SELECT 1 FROM wanted n
				  WHERE n.id = w.id AND n.minutes < w.minutes)
	), marked AS (
		INSERT INTO reminder_marks (org_id, appointment_id, reminder, starts_at)
		SELECT org_id, id, which, starts_at FROM due
		ON CONFLICT DO NOTHING
		RETURNING org_id, appointment_id, reminder,
			  extract(epoch FROM starts_at)::bigint AS starts
	), queued AS (
		INSERT INTO jobs (org_id, kind, payload, dedupe_key)
		SELECT org_id, 'reminder.send',
		       jsonb_build_object('appointment_id', appointment_id, 'reminder', reminder,
					  'starts_at', starts),
		       'reminder:' || appointment_id || ':' || reminder || ':' || starts
		FROM marked
		ON CONFLICT (org_id, kind, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
		RETURNING 1
	)
	SELECT count(*)::int FROM queued
$$;

-- A customer who answered "R" is offered up to three free times; a reply "1", "2" or "3" soon
-- after takes one. The latest offer to a number is the one a digit answers.
CREATE TABLE reschedule_offers (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	appointment_id uuid NOT NULL,
	phone text NOT NULL CHECK (char_length(phone) BETWEEN 1 AND 64),
	-- The times offered, in the order the text lists them.
	offered_times timestamptz[] NOT NULL CHECK (cardinality(offered_times) BETWEEN 1 AND 3),
	created_at timestamptz NOT NULL DEFAULT now(),
	-- A digit answers it once.
	taken_at timestamptz,
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, appointment_id) REFERENCES appointments (org_id, id) ON DELETE CASCADE
);
CREATE INDEX reschedule_offers_phone_idx ON reschedule_offers (org_id, phone, created_at DESC);
ALTER TABLE reschedule_offers ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON reschedule_offers
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON reschedule_offers TO switchboard_web;

-- A digit that moved an appointment is kept for the owner, as C and R are.
ALTER TABLE inbound_messages DROP CONSTRAINT inbound_messages_kind_check;
ALTER TABLE inbound_messages ADD CONSTRAINT inbound_messages_kind_check
	CHECK (kind IN ('message', 'opt_out', 'opt_in', 'help', 'cancel_request',
			'reschedule_request', 'reschedule_choice'));

-- Private calendar feeds: one for the whole business (resource_id NULL) and one per resource.
-- Only the SHA-256 of the feed's token is kept: the address is shown once, when it is made,
-- and a new one replaces the row, so the old address stops working at once.
CREATE TABLE calendar_feeds (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	resource_id uuid,
	token_sha256 text NOT NULL UNIQUE CHECK (token_sha256 ~ '^[0-9a-f]{64}$'),
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, id),
	CONSTRAINT calendar_feeds_scope_uniq UNIQUE NULLS NOT DISTINCT (org_id, resource_id),
	FOREIGN KEY (org_id, resource_id) REFERENCES resources (org_id, id) ON DELETE CASCADE
);
ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON calendar_feeds
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON calendar_feeds TO switchboard_web;

-- The feed a token opens, before the business is known. The argument is the SHA-256 of the
-- token, so the index lookup's timing tells nothing about how close a guess came to a real
-- token (its hash shares no prefix with the token's).
CREATE FUNCTION calendar_feed_find(p_token_sha256 text)
	RETURNS TABLE (org_id uuid, resource_id uuid)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	SELECT org_id, resource_id FROM calendar_feeds WHERE token_sha256 = p_token_sha256
$$;

CALL revoke_public_execute();
GRANT EXECUTE ON FUNCTION reminders_schedule() TO switchboard_jobs;
GRANT EXECUTE ON FUNCTION calendar_feed_find(text) TO switchboard_web;
