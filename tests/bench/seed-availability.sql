-- seed-availability: a busy business for the availability bench: 10 resources, 20,000 appointments and 5,000 busy blocks.
--
-- Weekdays 8 to 12 and 1 to 6, Saturday 9 to 1, in New York; a 60-minute service with a
-- 15-minute buffer. Each resource holds about four appointments a working day, a year either
-- side of now, on six fixed starts a day (so none overlap), and a busy block or two a week
-- from an outside calendar. Runs as the schema owner; a second run changes nothing.

BEGIN;

INSERT INTO organizations (id, name, timezone, business_hours)
VALUES ('b0e00000-0000-4000-8000-00000000a7a1', 'Availability Bench Clinic', 'America/New_York',
	'{"mon":[["08:00","12:00"],["13:00","18:00"]],"tue":[["08:00","12:00"],["13:00","18:00"]],"wed":[["08:00","12:00"],["13:00","18:00"]],"thu":[["08:00","12:00"],["13:00","18:00"]],"fri":[["08:00","12:00"],["13:00","18:00"]],"sat":[["09:00","13:00"]],"sun":[]}')
ON CONFLICT DO NOTHING;

INSERT INTO services (id, org_id, name, duration_minutes, buffer_minutes)
VALUES ('b0e00000-0000-4000-8000-00000000a7a2', 'b0e00000-0000-4000-8000-00000000a7a1',
	'Check-up', 60, 15)
ON CONFLICT DO NOTHING;

-- The business's first resource came with it; nine more chairs.
INSERT INTO resources (id, org_id, name, kind, position)
SELECT ('b0e00000-0000-4000-8000-0000000a7b' || lpad(g::text, 2, '0'))::uuid,
       'b0e00000-0000-4000-8000-00000000a7a1', 'Chair ' || (g + 1), 'room', g
FROM generate_series(1, 9) AS g
ON CONFLICT DO NOTHING;

-- Skipped when the bench business already has its appointments.
INSERT INTO appointments (org_id, service_id, resource_id, customer_name, starts_at, ends_at)
SELECT 'b0e00000-0000-4000-8000-00000000a7a1', 'b0e00000-0000-4000-8000-00000000a7a2', r.id,
       'Bench patient', s.starts, s.starts + interval '60 minutes'
FROM (SELECT id, row_number() OVER (ORDER BY position, created_at, id) AS n
      FROM resources WHERE org_id = 'b0e00000-0000-4000-8000-00000000a7a1') AS r
CROSS JOIN LATERAL (
	SELECT (d::date + t) AT TIME ZONE 'America/New_York' AS starts
	FROM generate_series((now() AT TIME ZONE 'America/New_York')::date - 365,
			     (now() AT TIME ZONE 'America/New_York')::date + 365,
			     interval '1 day') AS d,
	     unnest(ARRAY[time '08:00', '09:30', '11:00', '13:00', '14:30', '16:00']) AS t
	WHERE extract(isodow FROM d) <= 5
	  -- About four of the six starts a day, differently for each resource and day.
	  AND abs(hashtext(r.n || ':' || d::date || ':' || t)) % 6 < 4
) AS s
WHERE NOT EXISTS (SELECT 1 FROM appointments
		  WHERE org_id = 'b0e00000-0000-4000-8000-00000000a7a1')
ORDER BY s.starts, r.n
LIMIT 20000;

-- Busy blocks of half an hour to two hours in working time; every tenth holds every resource.
INSERT INTO busy_blocks (org_id, resource_id, source, source_calendar, external_id, starts_at,
			 ends_at)
SELECT 'b0e00000-0000-4000-8000-00000000a7a1',
       CASE WHEN g % 10 = 0 THEN NULL ELSE r.id END, 'google', 'bench@calendar',
       'bench-' || g, b.starts, b.starts + (30 * (1 + g % 4)) * interval '1 minute'
FROM generate_series(1, 5000) AS g
CROSS JOIN LATERAL (
	SELECT ((now() AT TIME ZONE 'America/New_York')::date - 365 + (g * 7919) % 730
		+ time '08:00' + ((g * 31) % 18) * interval '30 minutes')
	       AT TIME ZONE 'America/New_York' AS starts
) AS b
LEFT JOIN LATERAL (
	SELECT id FROM resources
	WHERE org_id = 'b0e00000-0000-4000-8000-00000000a7a1'
	ORDER BY position, created_at, id OFFSET g % 10 LIMIT 1
) AS r ON true
ON CONFLICT DO NOTHING;

-- A holiday a month from now.
INSERT INTO closures (id, org_id, starts_at, ends_at, reason)
SELECT 'b0e00000-0000-4000-8000-00000000a7c1', 'b0e00000-0000-4000-8000-00000000a7a1',
       ((now() AT TIME ZONE 'America/New_York')::date + 30)::timestamp AT TIME ZONE 'America/New_York',
       ((now() AT TIME ZONE 'America/New_York')::date + 31)::timestamp AT TIME ZONE 'America/New_York',
       'the holiday'
ON CONFLICT DO NOTHING;

COMMIT;
ANALYZE appointments;
ANALYZE busy_blocks;
ANALYZE resources;
