-- 019_practice_calls: practice calls, simulated callers that try a business's own receptionist
-- before it goes live, and what each of them got.
--
-- A practice caller talks to the receptionist inside a transaction that is rolled back when the
-- caller hangs up (db_rehearse_begin), so it leaves no call, lead, appointment or queued text
-- behind: only these two tables keep what happened, and no dashboard figure reads them.

CREATE TABLE practice_runs (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	status text NOT NULL DEFAULT 'queued'
		CHECK (status IN ('queued', 'running', 'done', 'failed')),
	callers integer NOT NULL DEFAULT 0 CHECK (callers >= 0),
	passed integer NOT NULL DEFAULT 0 CHECK (passed >= 0),
	wall_ms integer CHECK (wall_ms >= 0),
	error text CHECK (char_length(error) <= 500),
	created_at timestamptz NOT NULL DEFAULT now(),
	finished_at timestamptz
);
CREATE INDEX practice_runs_org_idx ON practice_runs (org_id, created_at DESC);

CREATE TABLE practice_calls (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	run_id uuid NOT NULL REFERENCES practice_runs ON DELETE CASCADE,
	seq integer NOT NULL CHECK (seq >= 0),
	goal text NOT NULL CHECK (char_length(goal) <= 300),
	passed boolean NOT NULL,
	verdict text NOT NULL CHECK (char_length(verdict) <= 500),
	-- [{"speaker": "caller" | "assistant", "text": "..."}, ...]
	transcript jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(transcript) = 'array'),
	UNIQUE (run_id, seq)
);
CREATE INDEX practice_calls_org_idx ON practice_calls (org_id);

ALTER TABLE practice_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON practice_runs
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE practice_calls ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON practice_calls
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON practice_runs, practice_calls TO switchboard_app;
