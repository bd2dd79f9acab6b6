-- 004_dashboard: quarter-hour call and booking counts kept by triggers; the dashboard's indexes.
--
-- The dashboard shows 30 days of figures and is polled once a second per open
-- page. Counting the calls themselves costs one visit per call (100,000 calls
-- in a month is 60 ms), so triggers keep running totals per organization and
-- quarter hour instead, and the dashboard sums at most 30 * 96 rows. Quarter
-- hours (aligned to UTC) add up to the local days of every time zone in use
-- (all offsets are multiples of 15 minutes), so changing an organization's
-- time zone needs no recount.
--
-- A writer holds the lock on its quarter hour's row until it commits; the
-- call writes of one business in one quarter hour are short, so they barely
-- wait on each other.

CREATE TABLE dashboard_buckets (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	-- Start of the quarter hour: date_bin('15 minutes', t, '2000-01-01 00:00+00').
	bucket timestamptz NOT NULL,
	calls integer NOT NULL DEFAULT 0,
	-- Inbound calls nobody picked up (missed, no-answer, busy).
	missed integer NOT NULL DEFAULT 0,
	-- Inbound calls picked up (in-progress, completed, transferred) ...
	answered integer NOT NULL DEFAULT 0,
	-- ... and those of them that booked.
	booked integer NOT NULL DEFAULT 0,
	-- Finished answered calls (completed, transferred) with a duration.
	duration_sum bigint NOT NULL DEFAULT 0,
	duration_count integer NOT NULL DEFAULT 0,
	-- Appointments made in the quarter hour and not cancelled.
	bookings integer NOT NULL DEFAULT 0,
	UNIQUE (org_id, bucket)
);

ALTER TABLE dashboard_buckets ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON dashboard_buckets
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
-- Written only by the triggers below, which run as the owner.
GRANT SELECT ON dashboard_buckets TO switchboard_app;

-- Add one row's counts to its quarter hour (sign -1 takes them away). A
-- removal only updates: when an organization is deleted, its calls go after
-- its buckets may have, and nothing must be created for it then.
CREATE FUNCTION dashboard_bucket_add(org uuid, happened timestamptz, sign integer, n_calls integer,
				     n_missed integer, n_answered integer, n_booked integer,
				     seconds bigint, n_durations integer, n_bookings integer)
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
		WHERE org_id = org AND bucket = quarter;
		RETURN;
	END IF;
	INSERT INTO dashboard_buckets AS b (org_id, bucket, calls, missed, answered, booked,
					    duration_sum, duration_count, bookings)
	VALUES (org, quarter, n_calls, n_missed, n_answered, n_booked, seconds, n_durations,
		n_bookings)
	ON CONFLICT (org_id, bucket) DO UPDATE
	SET calls = b.calls + EXCLUDED.calls, missed = b.missed + EXCLUDED.missed,
	    answered = b.answered + EXCLUDED.answered, booked = b.booked + EXCLUDED.booked,
	    duration_sum = b.duration_sum + EXCLUDED.duration_sum,
	    duration_count = b.duration_count + EXCLUDED.duration_count,
	    bookings = b.bookings + EXCLUDED.bookings;
END
$$;

-- One call's part in the counts, added (sign 1) or taken away (sign -1).
CREATE FUNCTION dashboard_call_add(c calls, sign integer) RETURNS void
	LANGUAGE plpgsql
	SET search_path = public, pg_temp
	AS $$
DECLARE
	inbound boolean := c.direction = 'inbound';
	answered boolean := c.status IN ('in-progress', 'completed', 'transferred');
	timed boolean := c.status IN ('completed', 'transferred')
			 AND c.duration_seconds IS NOT NULL;
BEGIN
	PERFORM dashboard_bucket_add(c.org_id, c.started_at, sign, 1,
		(inbound AND c.status IN ('missed', 'no-answer', 'busy'))::integer,
		(inbound AND answered)::integer, (inbound AND answered AND c.booked)::integer,
		CASE WHEN timed THEN c.duration_seconds ELSE 0 END, timed::integer, 0);
END
$$;

-- SECURITY DEFINER so that whoever writes a call (the app under its org's
-- row security, or the owner) moves the counts, and the app itself never
-- needs to write dashboard_buckets.
CREATE FUNCTION calls_dashboard_count() RETURNS trigger
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		PERFORM dashboard_call_add(OLD, -1);
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		PERFORM dashboard_call_add(NEW, 1);
	END IF;
	RETURN NULL;
END
$$;

CREATE FUNCTION appointments_dashboard_count() RETURNS trigger
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status <> 'cancelled' THEN
		PERFORM dashboard_bucket_add(OLD.org_id, OLD.created_at, -1, 0, 0, 0, 0, 0, 0, 1);
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status <> 'cancelled' THEN
		PERFORM dashboard_bucket_add(NEW.org_id, NEW.created_at, 1, 0, 0, 0, 0, 0, 0, 1);
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER calls_dashboard_count AFTER INSERT OR DELETE ON calls
	FOR EACH ROW EXECUTE FUNCTION calls_dashboard_count();
-- Most updates of a call (transcript summary, recording, analysis) change
-- nothing counted: those skip the trigger altogether.
CREATE TRIGGER calls_dashboard_recount AFTER UPDATE ON calls
	FOR EACH ROW
	WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id
	      OR OLD.started_at IS DISTINCT FROM NEW.started_at
	      OR OLD.direction IS DISTINCT FROM NEW.direction
	      OR OLD.status IS DISTINCT FROM NEW.status
	      OR OLD.booked IS DISTINCT FROM NEW.booked
	      OR OLD.duration_seconds IS DISTINCT FROM NEW.duration_seconds)
	EXECUTE FUNCTION calls_dashboard_count();
CREATE TRIGGER appointments_dashboard_count AFTER INSERT OR DELETE ON appointments
	FOR EACH ROW EXECUTE FUNCTION appointments_dashboard_count();
CREATE TRIGGER appointments_dashboard_recount AFTER UPDATE ON appointments
	FOR EACH ROW
	WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id
	      OR OLD.created_at IS DISTINCT FROM NEW.created_at
	      OR OLD.status IS DISTINCT FROM NEW.status)
	EXECUTE FUNCTION appointments_dashboard_count();

-- Count what is already there.
INSERT INTO dashboard_buckets (org_id, bucket, calls, missed, answered, booked,
			       duration_sum, duration_count)
SELECT org_id, date_bin('15 minutes', started_at, timestamptz '2000-01-01 00:00+00'), count(*),
       count(*) FILTER (WHERE direction = 'inbound' AND status IN ('missed', 'no-answer', 'busy')),
       count(*) FILTER (WHERE direction = 'inbound'
			AND status IN ('in-progress', 'completed', 'transferred')),
       count(*) FILTER (WHERE direction = 'inbound' AND booked
			AND status IN ('in-progress', 'completed', 'transferred')),
       coalesce(sum(duration_seconds) FILTER (WHERE status IN ('completed', 'transferred')), 0),
       count(duration_seconds) FILTER (WHERE status IN ('completed', 'transferred'))
FROM calls GROUP BY 1, 2;
INSERT INTO dashboard_buckets AS b (org_id, bucket, bookings)
SELECT org_id, date_bin('15 minutes', created_at, timestamptz '2000-01-01 00:00+00'), count(*)
FROM appointments WHERE status <> 'cancelled' GROUP BY 1, 2
ON CONFLICT (org_id, bucket) DO UPDATE SET bookings = b.bookings + EXCLUDED.bookings;

-- The newest bookings and new leads of the events list.
CREATE INDEX appointments_org_created_idx ON appointments (org_id, created_at);
CREATE INDEX leads_org_created_idx ON leads (org_id, created_at);

-- Pipeline value: the sum over open leads, read from the index alone.
CREATE INDEX leads_org_open_value_idx ON leads (org_id) INCLUDE (value_cents)
	WHERE status IN ('new', 'contacted', 'qualified', 'booked');

CALL revoke_public_execute();
