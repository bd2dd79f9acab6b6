-- 021_resources: bookable resources (people, chairs, bays, vans) with hours of their own, closed dates, outside busy time, buffers, notice and horizon; no overlap per resource.
--
-- Availability itself is computed in C (lib/domain/availability.c) from these
-- tables; the database keeps the one guarantee that matters under any race:
-- two live appointments never overlap on one resource (appointments_no_overlap).

-- The shape of organizations.business_hours (see organizations_validate() in
-- 001): an object of known day keys, each a list of ["HH:MM","HH:MM"] spans
-- with open < close. Several spans a day are breaks between them.
CREATE FUNCTION hours_shape_ok(p_hours jsonb) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$
	SELECT jsonb_typeof(p_hours) = 'object'
	   AND NOT EXISTS (
		SELECT 1 FROM jsonb_each(p_hours) AS d(day, spans)
		WHERE d.day NOT IN ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')
		   OR jsonb_typeof(d.spans) <> 'array'
		   OR EXISTS (
			SELECT 1 FROM jsonb_array_elements(
				CASE WHEN jsonb_typeof(d.spans) = 'array' THEN d.spans
				     ELSE '[]' END) AS span
			WHERE jsonb_typeof(span) <> 'array'
			   OR jsonb_array_length(span) <> 2
			   OR jsonb_typeof(span -> 0) <> 'string'
			   OR jsonb_typeof(span -> 1) <> 'string'
			   OR (span ->> 0) !~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
			   OR (span ->> 1) !~ '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$'
			   OR (span ->> 0) COLLATE "C" >= (span ->> 1) COLLATE "C"))
$$;

CREATE TABLE resources (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	name text NOT NULL CHECK (btrim(name) <> '' AND char_length(name) <= 200),
	kind text NOT NULL DEFAULT 'person'
		CHECK (kind IN ('person', 'room', 'vehicle', 'equipment')),
	-- NULL: the business's own hours; otherwise the same shape.
	hours jsonb CHECK (hours IS NULL OR hours_shape_ok(hours)),
	-- An inactive resource takes no new bookings; its appointments stay.
	active boolean NOT NULL DEFAULT true,
	-- Display order, and the order "any resource" tries them in.
	position integer NOT NULL DEFAULT 0,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, id)
);
CREATE UNIQUE INDEX resources_org_name_uniq ON resources (org_id, lower(name));
CREATE INDEX resources_org_order_idx ON resources (org_id, position, created_at, id);

-- Which resources can do a service; a service with no rows: every active resource.
CREATE TABLE service_resources (
	-- A row's own name, as every tenant row has one.
	id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	service_id uuid NOT NULL,
	resource_id uuid NOT NULL,
	PRIMARY KEY (org_id, service_id, resource_id),
	FOREIGN KEY (org_id, service_id) REFERENCES services (org_id, id) ON DELETE CASCADE,
	FOREIGN KEY (org_id, resource_id) REFERENCES resources (org_id, id) ON DELETE CASCADE
);
CREATE INDEX service_resources_resource_idx ON service_resources (org_id, resource_id);

-- Holidays and closed dates (resource_id NULL: the whole business), or a resource's day off.
CREATE TABLE closures (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	resource_id uuid,
	starts_at timestamptz NOT NULL,
	ends_at timestamptz NOT NULL,
	reason text CHECK (char_length(reason) <= 200),
	created_at timestamptz NOT NULL DEFAULT now(),
	CHECK (ends_at > starts_at),
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, resource_id) REFERENCES resources (org_id, id) ON DELETE CASCADE
);
-- Availability reads a business's closures still to end (row-level security lets only
-- leakproof comparisons such as < and > reach an index, so no range operator here).
CREATE INDEX closures_org_ends_idx ON closures (org_id, ends_at);

-- Busy time read from outside calendars (resource_id NULL: every resource).
CREATE TABLE busy_blocks (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	resource_id uuid,
	source text NOT NULL DEFAULT 'google' CHECK (source IN ('google')),
	source_calendar text NOT NULL CHECK (char_length(source_calendar) <= 1024),
	external_id text NOT NULL CHECK (char_length(external_id) <= 1024),
	starts_at timestamptz NOT NULL,
	ends_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now(),
	-- Longer than a day: availability finds these apart from the many short ones.
	long_span boolean GENERATED ALWAYS AS (ends_at - starts_at > interval '1 day') STORED,
	CHECK (ends_at > starts_at),
	UNIQUE (org_id, id),
	UNIQUE (org_id, source, source_calendar, external_id),
	FOREIGN KEY (org_id, resource_id) REFERENCES resources (org_id, id) ON DELETE CASCADE
);
-- A window's busy time: short blocks by their start (at most a day before the window), long
-- ones by their end.
CREATE INDEX busy_blocks_org_starts_idx ON busy_blocks (org_id, starts_at) WHERE NOT long_span;
CREATE INDEX busy_blocks_org_long_idx ON busy_blocks (org_id, ends_at) WHERE long_span;

ALTER TABLE services ADD COLUMN buffer_minutes integer NOT NULL DEFAULT 0
	CHECK (buffer_minutes BETWEEN 0 AND 1440);
ALTER TABLE organizations ADD COLUMN min_notice_minutes integer NOT NULL DEFAULT 0
	CHECK (min_notice_minutes BETWEEN 0 AND 43200);
ALTER TABLE organizations ADD COLUMN horizon_days integer NOT NULL DEFAULT 60
	CHECK (horizon_days BETWEEN 1 AND 730);

-- Every business has at least one resource from the start, named as the business.
CREATE FUNCTION organizations_first_resource() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
BEGIN
	INSERT INTO resources (org_id, name) VALUES (NEW.id, NEW.name);
	RETURN NULL;
END
$$;
CREATE TRIGGER organizations_first_resource AFTER INSERT ON organizations
	FOR EACH ROW EXECUTE FUNCTION organizations_first_resource();

INSERT INTO resources (org_id, name) SELECT id, name FROM organizations;

ALTER TABLE appointments ADD COLUMN resource_id uuid;
ALTER TABLE appointments ADD COLUMN blocked_until timestamptz;
UPDATE appointments a SET resource_id = r.id, blocked_until = a.ends_at
	FROM resources r WHERE r.org_id = a.org_id;

-- An appointment written without a resource takes the business's first active one (so a
-- business with one resource books as it always did). blocked_until is derived: the end plus
-- the service's buffer as it was when the appointment got its time; a later change of the
-- buffer leaves booked appointments as they are.
CREATE FUNCTION appointments_fill() RETURNS trigger
	LANGUAGE plpgsql
	AS $$
BEGIN
	IF NEW.resource_id IS NULL THEN
		SELECT r.id INTO NEW.resource_id FROM resources r
		WHERE r.org_id = NEW.org_id AND r.active
		ORDER BY r.position, r.created_at, r.id
		LIMIT 1;
	END IF;
	IF TG_OP = 'UPDATE' AND NEW.ends_at IS NOT DISTINCT FROM OLD.ends_at
	   AND NEW.service_id IS NOT DISTINCT FROM OLD.service_id THEN
		NEW.blocked_until := OLD.blocked_until;
	ELSE
		NEW.blocked_until := NEW.ends_at + make_interval(mins => coalesce(
			(SELECT s.buffer_minutes FROM services s
			 WHERE s.org_id = NEW.org_id AND s.id = NEW.service_id), 0));
	END IF;
	RETURN NEW;
END
$$;
CREATE TRIGGER appointments_fill BEFORE INSERT OR UPDATE ON appointments
	FOR EACH ROW EXECUTE FUNCTION appointments_fill();

ALTER TABLE appointments ALTER COLUMN resource_id SET NOT NULL;
ALTER TABLE appointments ALTER COLUMN blocked_until SET NOT NULL;
-- An appointment with its buffer holds at most two days (a day's length and a day's buffer at
-- most), so availability finds what holds a window by start time on appointments_org_starts_idx.
ALTER TABLE appointments ADD CONSTRAINT appointments_blocked_after_end
	CHECK (blocked_until >= ends_at AND blocked_until <= starts_at + interval '48 hours');
ALTER TABLE appointments ADD CONSTRAINT appointments_resource_fk
	FOREIGN KEY (org_id, resource_id) REFERENCES resources (org_id, id);
CREATE INDEX appointments_resource_idx ON appointments (org_id, resource_id);

-- The guarantee that two bookings never collide on one resource, whatever the race: the
-- losing transaction gets exclusion_violation (23P01). Ranges are half-open, so back-to-back
-- slots are fine; a service's buffer is part of the range. A no-show or completed appointment
-- still held its time.
ALTER TABLE appointments DROP CONSTRAINT appointments_no_overlap;
ALTER TABLE appointments ADD CONSTRAINT appointments_no_overlap EXCLUDE USING gist (
	resource_id WITH =, tstzrange(starts_at, blocked_until) WITH &&)
	WHERE (status NOT IN ('cancelled'));

ALTER TABLE resources ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON resources
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE service_resources ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON service_resources
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE closures ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON closures
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE busy_blocks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON busy_blocks
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());

-- The web front edits resources, which does what, and closed dates; every program reads them
-- to find free times. Outside busy time is written by the calendar sync in the job runner.
GRANT SELECT, INSERT, UPDATE, DELETE ON resources, service_resources, closures
	TO switchboard_web;
GRANT SELECT ON busy_blocks TO switchboard_web;
GRANT SELECT ON resources, service_resources, closures, busy_blocks
	TO switchboard_voice, switchboard_jobs;
GRANT INSERT, UPDATE, DELETE ON busy_blocks TO switchboard_jobs;

-- A move is audited whoever makes it: the calendar sync (job runner) moving what it made, a
-- caller moving theirs on the phone (voice worker, or a practice run in the job runner).
GRANT INSERT ON audit_log TO switchboard_jobs, switchboard_voice;

-- Free times are found by lib/domain/availability.c now, over resources, closures and busy time.
DROP FUNCTION appointment_free_starts(timestamptz, interval, uuid, int);


-- What availability reads for one business (app.org_id), one window at a time; the free times
-- themselves are found in C (lib/domain/availability.c). SECURITY INVOKER: row-level security
-- applies as to any query of the app. Plans are generic: under row-level security a custom
-- plan of these unions costs more to make than the query costs to run.
--
-- What holds time in [p_from, p_to) (epoch seconds): live appointments with their buffers (but
-- p_ignore, the one being moved), outside busy blocks and closures; a NULL resource holds
-- every resource. Only leakproof comparisons reach an index under row-level security, so each
-- table is read by plain start or end times: an appointment with its buffer holds at most 48
-- hours (appointments_blocked_after_end), a short busy block at most a day.
CREATE FUNCTION availability_holds(p_from bigint, p_to bigint, p_ignore uuid)
	RETURNS TABLE (h_kind text, h_resource uuid, h_reason text, h_starts bigint, h_ends bigint)
	LANGUAGE plpgsql STABLE
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	SELECT 'a'::text, a.resource_id, NULL::text, extract(epoch FROM a.starts_at)::bigint,
	       extract(epoch FROM a.blocked_until)::bigint
	FROM appointments a
	WHERE a.org_id = app_org_id()
	  AND a.starts_at >= to_timestamp(p_from - 48 * 3600) AND a.starts_at < to_timestamp(p_to)
	  AND a.blocked_until > to_timestamp(p_from)
	  AND a.status NOT IN ('cancelled') AND a.id IS DISTINCT FROM p_ignore
	UNION ALL
	SELECT 'b', b.resource_id, NULL, extract(epoch FROM b.starts_at)::bigint,
	       extract(epoch FROM b.ends_at)::bigint
	FROM busy_blocks b
	WHERE b.org_id = app_org_id() AND NOT b.long_span
	  AND b.starts_at >= to_timestamp(p_from - 24 * 3600) AND b.starts_at < to_timestamp(p_to)
	  AND b.ends_at > to_timestamp(p_from)
	UNION ALL
	SELECT 'b', b.resource_id, NULL, extract(epoch FROM b.starts_at)::bigint,
	       extract(epoch FROM b.ends_at)::bigint
	FROM busy_blocks b
	WHERE b.org_id = app_org_id() AND b.long_span
	  AND b.ends_at > to_timestamp(p_from) AND b.starts_at < to_timestamp(p_to)
	UNION ALL
	SELECT 'c', c.resource_id, c.reason, extract(epoch FROM c.starts_at)::bigint,
	       extract(epoch FROM c.ends_at)::bigint
	FROM closures c
	WHERE c.org_id = app_org_id()
	  AND c.ends_at > to_timestamp(p_from) AND c.starts_at < to_timestamp(p_to);
END
$$;

-- Everything the first window needs in one round trip, in this order: 'o' the business (time
-- zone; notice, horizon and the service's buffer in n1..n3); 'r' each active resource able to
-- do p_service (only p_resource when set; a service with no service_resources rows: every
-- one) in the business's order, with its name and hours (its own or the business's); then the
-- holds of [p_from, p_to) (reason in row_name, start and end in n1, n2).
CREATE FUNCTION availability_schedule(p_service uuid, p_resource uuid, p_from bigint,
				      p_to bigint, p_ignore uuid)
	RETURNS TABLE (row_kind text, row_id uuid, row_name text, row_text text, n1 bigint,
		       n2 bigint, n3 bigint)
	LANGUAGE plpgsql STABLE
	SET plan_cache_mode = force_generic_plan
	AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	SELECT x.kind, x.id, x.name, x.txt, x.a, x.b, x.c
	FROM (
		SELECT 'o'::text AS kind, NULL::uuid AS id, NULL::text AS name, o.timezone AS txt,
		       o.min_notice_minutes::bigint AS a, o.horizon_days::bigint AS b,
		       coalesce((SELECT s.buffer_minutes FROM services s
				 WHERE s.org_id = o.id AND s.id = p_service), 0)::bigint AS c,
		       0 AS sec, 0::bigint AS ord
		FROM organizations o WHERE o.id = app_org_id()
		UNION ALL
		SELECT 'r', r.id, r.name, coalesce(r.hours, o.business_hours)::text, NULL, NULL,
		       NULL, 1, row_number() OVER (ORDER BY r.position, r.created_at, r.id)
		FROM resources r JOIN organizations o ON o.id = r.org_id
		WHERE r.org_id = app_org_id() AND r.active
		  AND (p_resource IS NULL OR r.id = p_resource)
		  AND (p_service IS NULL
		       OR NOT EXISTS (SELECT 1 FROM service_resources sr
				      WHERE sr.org_id = r.org_id AND sr.service_id = p_service)
		       OR EXISTS (SELECT 1 FROM service_resources sr
				  WHERE sr.org_id = r.org_id AND sr.service_id = p_service
				    AND sr.resource_id = r.id))
		UNION ALL
		SELECT h.h_kind, h.h_resource, h.h_reason, NULL, h.h_starts, h.h_ends, NULL, 2, 0
		FROM availability_holds(p_from, p_to, p_ignore) h
	) x
	ORDER BY x.sec, x.ord;
END
$$;

CALL revoke_public_execute();
-- resources' CHECK calls it as the writer of the row.
GRANT EXECUTE ON FUNCTION hours_shape_ok(jsonb) TO switchboard_web;
GRANT EXECUTE ON FUNCTION availability_holds(bigint, bigint, uuid),
	availability_schedule(uuid, uuid, bigint, bigint, uuid)
	TO switchboard_web, switchboard_voice, switchboard_jobs;
