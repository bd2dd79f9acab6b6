-- 009_lists_at_scale: what the list pages need with a large business (measured by tests/bench/run
-- pages): lead search through the trigram index, a status-and-temperature index, and indexes
-- behind the foreign keys that point at calls.

-- Under row-level security PostgreSQL applies a condition through an index only when its
-- operator is leakproof, and LIKE (textlike) is not: for switchboard_app the trigram index on
-- leads.search_lower could never be used and every search read every lead (48 ms for 20,000).
-- This view is the organization's own leads, read with the owner's rights, so the search
-- condition reaches the index (4 ms). Its own WHERE is the tenancy filter; it is deliberately
-- not security_barrier, which would again keep the condition away from the index. Only the
-- leads list, its count and its export read through it, all with fixed SQL.
CREATE VIEW org_leads AS SELECT * FROM leads WHERE org_id = app_org_id();
GRANT SELECT ON org_leads TO switchboard_app;

-- Status and temperature together (/leads?status=qualified&temperature=hot): 006's
-- (org_id, status, updated_at) index reads every lead of the status to keep the hot ones,
-- and the capped count fell back to reading the whole table (15 ms for 20,000 leads).
-- With both columns first, the page is one index range in the list's order and the count
-- an index-only scan of the matches alone (under 0.5 ms). The temperature filter alone
-- stays fast without an index of its own: a quarter of the leads match, so walking
-- leads_org_updated_id_idx fills a page within a few hundred rows.
CREATE INDEX leads_org_status_temperature_idx
	ON leads (org_id, status, temperature, updated_at DESC, id DESC);

-- Deleting a call (the retention purge, a deleted organization) checks every foreign key that
-- points at calls, and without an index each check reads the whole referencing table: five
-- days of a business with 100,000 calls took 8.9 s, 8.2 s of it in leads.last_call_id and
-- 0.5 s in appointments.call_id; with these four the same delete takes 0.1 s. Partial where
-- the link is usually empty, so the indexes stay small.
CREATE INDEX leads_last_call_idx ON leads (org_id, last_call_id) WHERE last_call_id IS NOT NULL;
CREATE INDEX appointments_call_idx ON appointments (org_id, call_id) WHERE call_id IS NOT NULL;
CREATE INDEX notifications_call_idx ON notifications (org_id, call_id) WHERE call_id IS NOT NULL;
CREATE INDEX call_responses_call_idx ON call_responses (org_id, call_id);
