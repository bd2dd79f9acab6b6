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
	finished_at timestamptz,
	UNIQUE (org_id, id)
);
CREATE INDEX practice_runs_org_idx ON practice_runs (org_id, created_at DESC);

CREATE TABLE practice_calls (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	run_id uuid NOT NULL,
	seq integer NOT NULL CHECK (seq >= 0),
	goal text NOT NULL CHECK (char_length(goal) <= 300),
	passed boolean NOT NULL,
	verdict text NOT NULL CHECK (char_length(verdict) <= 500),
	-- [{"speaker": "caller" | "assistant", "text": "..."}, ...]
	transcript jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(transcript) = 'array'),
	UNIQUE (run_id, seq),
	-- A business's calls belong to its own runs only.
	FOREIGN KEY (org_id, run_id) REFERENCES practice_runs (org_id, id) ON DELETE CASCADE
);
CREATE INDEX practice_calls_org_idx ON practice_calls (org_id);

ALTER TABLE practice_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON practice_runs
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE practice_calls ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON practice_calls
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
-- The owner starts and reads runs on the web; the job runner plays them (016: a role each).
GRANT SELECT, INSERT, UPDATE, DELETE ON practice_runs, practice_calls
	TO switchboard_web, switchboard_jobs;

-- The owner's own test calls from the browser (provider 'browser') and what they book are not
-- business: they leave the dashboard's figures. First take out what they added so far, then
-- count them no more.
SELECT dashboard_call_add(c, -1) FROM calls c WHERE c.provider = 'browser';
SELECT dashboard_bucket_add(a.org_id, a.created_at, -1, 0, 0, 0, 0, 0, 0, 1)
FROM appointments a JOIN calls c ON c.org_id = a.org_id AND c.id = a.call_id
WHERE c.provider = 'browser' AND a.status <> 'cancelled';

CREATE OR REPLACE FUNCTION dashboard_call_add(c calls, sign integer) RETURNS void
	LANGUAGE plpgsql
	SET search_path = public, pg_temp
	AS $$
DECLARE
	inbound boolean := c.direction = 'inbound';
	answered boolean := c.status IN ('in-progress', 'completed', 'transferred');
	timed boolean := c.status IN ('completed', 'transferred')
			 AND c.duration_seconds IS NOT NULL;
BEGIN
	IF c.provider = 'browser' THEN
		RETURN;
	END IF;
	PERFORM dashboard_bucket_add(c.org_id, c.started_at, sign, 1,
		(inbound AND c.status IN ('missed', 'no-answer', 'busy'))::integer,
		(inbound AND answered)::integer, (inbound AND answered AND c.booked)::integer,
		CASE WHEN timed THEN c.duration_seconds ELSE 0 END, timed::integer, 0);
END
$$;

-- A booking counts unless a test call made it. A booking's call is set when it is made and
-- otherwise only cleared when the call row is deleted, so the test gives the same answer when
-- a booking is counted and when it is taken out, except for a test booking cancelled after its
-- call was deleted.
CREATE OR REPLACE FUNCTION appointments_dashboard_count() RETURNS trigger
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
DECLARE
	test_call boolean := EXISTS (SELECT 1 FROM calls c
		WHERE c.id = coalesce(NEW.call_id, OLD.call_id) AND c.provider = 'browser');
BEGIN
	IF test_call THEN
		RETURN NULL;
	END IF;
	IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status <> 'cancelled' THEN
		PERFORM dashboard_bucket_add(OLD.org_id, OLD.created_at, -1, 0, 0, 0, 0, 0, 0, 1);
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status <> 'cancelled' THEN
		PERFORM dashboard_bucket_add(NEW.org_id, NEW.created_at, 1, 0, 0, 0, 0, 0, 0, 1);
	END IF;
	RETURN NULL;
END
$$;

CALL revoke_public_execute();
