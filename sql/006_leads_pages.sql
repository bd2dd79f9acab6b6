-- 006_leads_pages: what the leads list needs to stay fast (sort indexes, search columns) and the lead page's lookups.

-- Each sort of the list walks one index and stops after a page. Descending
-- puts unknown values last; ascending is the same index read backwards.
CREATE INDEX leads_org_score_idx ON leads (org_id, score DESC NULLS LAST, id DESC);
CREATE INDEX leads_org_value_idx ON leads (org_id, value_cents DESC NULLS LAST, id DESC);
-- Names sort A to Z with the nameless last.
CREATE INDEX leads_org_name_idx ON leads (org_id, lower(name) ASC NULLS LAST, id ASC);
-- The updated sort needs the id as a tie-breaker so pages never overlap.
CREATE INDEX leads_org_updated_id_idx ON leads (org_id, updated_at DESC, id DESC);

-- The search box, as columns that are cheap to test row by row. Lower-cased
-- text takes a plain LIKE (a fraction of ILIKE's cost when a common word
-- matches thousands of leads); a number is matched by its digits however it
-- was typed ("555 0100", "(555) 010-0").
ALTER TABLE leads
	ADD COLUMN search_lower text GENERATED ALWAYS AS (
		lower(coalesce(name, '') || ' ' || phone || ' ' || coalesce(summary, ''))) STORED,
	ADD COLUMN phone_digits text GENERATED ALWAYS AS (
		regexp_replace(phone, '[^0-9]', '', 'g')) STORED;
CREATE INDEX leads_search_lower_trgm_idx ON leads USING gin (search_lower gin_trgm_ops);
CREATE INDEX leads_phone_digits_trgm_idx ON leads USING gin (phone_digits gin_trgm_ops);

-- The lead page lists the messages sent to a lead ...
CREATE INDEX notifications_lead_idx ON notifications (org_id, lead_id, created_at DESC)
	WHERE lead_id IS NOT NULL;
-- ... and the jobs queued for it, which name their lead in the payload.
CREATE INDEX jobs_lead_idx ON jobs (org_id, (payload ->> 'lead_id'), created_at DESC)
	WHERE payload ? 'lead_id';
