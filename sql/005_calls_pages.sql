-- 005_calls_pages: indexes behind the calls list, so each filter reads one index in date order.

-- The list is newest first and pages stop after 50 rows; a filter on a rare
-- value (failed, outbound, booked) must not walk every call of the business
-- to fill a page or to count its matches, so each filter has an index that
-- holds only its matches in the list's order. The id breaks ties between
-- calls that started in the same instant, so pages never overlap.
CREATE INDEX calls_org_started_id_idx ON calls (org_id, started_at DESC, id DESC);
CREATE INDEX calls_org_status_started_idx ON calls (org_id, status, started_at DESC, id DESC);
CREATE INDEX calls_org_direction_started_idx
	ON calls (org_id, direction, started_at DESC, id DESC);
CREATE INDEX calls_org_booked_started_idx ON calls (org_id, booked, started_at DESC, id DESC);

-- The call page reads its transcript by call, in order: UNIQUE (call_id, seq)
-- in 002 already serves it.
