-- 007_appointment_free_starts: the free times offered when a chosen appointment time is taken.

-- The p_count start times nearest to p_at (either side) at which an appointment
-- lasting p_length fits: in the future, inside one span of the organization's
-- business hours (local times in its own time zone), and overlapping no
-- non-cancelled appointment except p_ignore (the one being moved; NULL for a
-- new booking). Candidates sit on a 15-minute grid from each opening time,
-- within two weeks either side of p_at, so the search stays a few thousand
-- probes of the exclusion constraint's own gist index.
--
-- SECURITY INVOKER on purpose: row-level security limits it to the
-- transaction's organization (app.org_id), as for any query of the app.
CREATE FUNCTION appointment_free_starts(p_at timestamptz, p_length interval,
					p_ignore uuid, p_count int)
	RETURNS SETOF timestamptz
	LANGUAGE sql STABLE
	AS $$
	WITH org AS (
		SELECT o.id, o.timezone AS tz, o.business_hours AS hours
		FROM organizations o
		WHERE o.id = app_org_id()
	), days AS (
		SELECT org.id, org.tz, org.hours, d::date AS day
		FROM org, generate_series((p_at AT TIME ZONE org.tz)::date - 14,
					  (p_at AT TIME ZONE org.tz)::date + 14,
					  interval '1 day') AS d
	), spans AS (
		-- "24:00" is a valid time: the span closes at the next midnight.
		SELECT days.id AS org_id,
		       (days.day + (span ->> 0)::time) AT TIME ZONE days.tz AS opens,
		       (days.day + (span ->> 1)::time) AT TIME ZONE days.tz AS closes
		FROM days,
		     jsonb_array_elements(days.hours ->
			(ARRAY['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])
			[extract(isodow FROM days.day)::int]) AS span
	), candidates AS (
		SELECT spans.org_id, start
		FROM spans, generate_series(spans.opens, spans.closes - p_length,
					    interval '15 minutes') AS start
	)
	SELECT c.start
	FROM candidates c
	WHERE c.start > now()
	  AND NOT EXISTS (
		SELECT 1 FROM appointments a
		WHERE a.org_id = c.org_id
		  AND a.status <> 'cancelled'
		  AND a.id IS DISTINCT FROM p_ignore
		  AND tstzrange(a.starts_at, a.ends_at) && tstzrange(c.start, c.start + p_length))
	ORDER BY abs(extract(epoch FROM c.start - p_at)), c.start
	LIMIT p_count
$$;

CALL revoke_public_execute();
GRANT EXECUTE ON FUNCTION appointment_free_starts(timestamptz, interval, uuid, int)
	TO switchboard_app;
