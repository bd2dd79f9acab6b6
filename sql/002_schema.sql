-- 002_schema: the tenant tables behind calls, leads, bookings, messaging, jobs and integrations.
--
-- Every table carries org_id with a tenant_isolation policy (see 001). Links
-- between tenant rows are composite foreign keys on (org_id, id): foreign
-- keys are checked without row-level security, so a plain id reference would
-- let one tenant attach its rows to, or probe for, another tenant's ids.
-- "ON DELETE SET NULL (col)" (PG 15) clears only the link, never org_id.

CREATE TABLE phone_numbers (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	-- Globally unique: the called number is how a webhook finds its org.
	e164 text NOT NULL UNIQUE CHECK (e164 ~ '^\+[1-9][0-9]{6,14}$'),
	provider text NOT NULL DEFAULT 'twilio'
		CHECK (provider ~ '^[a-z][a-z0-9_-]{0,31}$'),
	label text CHECK (char_length(label) <= 100),
	active boolean NOT NULL DEFAULT true,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, id)
);
CREATE INDEX phone_numbers_org_idx ON phone_numbers (org_id);

CREATE TABLE services (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	name text NOT NULL CHECK (btrim(name) <> '' AND char_length(name) <= 200),
	description text,
	price_cents bigint NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
	duration_minutes integer NOT NULL DEFAULT 60
		CHECK (duration_minutes > 0 AND duration_minutes <= 1440),
	-- Lower-case words the rules brain matches a caller's request against.
	keywords text[] NOT NULL DEFAULT '{}',
	active boolean NOT NULL DEFAULT true,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, id)
);
CREATE UNIQUE INDEX services_org_name_uniq ON services (org_id, lower(name));
CREATE TRIGGER services_updated_at BEFORE UPDATE ON services
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE leads (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	-- Normally E.164 from caller ID; left loose because withheld and
	-- browser test callers still make leads.
	phone text NOT NULL CHECK (char_length(phone) BETWEEN 1 AND 32),
	name text CHECK (char_length(name) <= 200),
	email text CHECK (char_length(email) <= 254),
	address text CHECK (char_length(address) <= 500),
	service_id uuid,
	status text NOT NULL DEFAULT 'new'
		CHECK (status IN ('new', 'contacted', 'qualified', 'booked', 'converted', 'lost')),
	score integer CHECK (score BETWEEN 0 AND 100),
	temperature text CHECK (temperature IN ('hot', 'warm', 'cold')),
	value_cents bigint CHECK (value_cents >= 0),
	summary text,
	notes text,
	last_call_id uuid,
	last_contacted_at timestamptz,
	callback_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	-- One text the search box matches with trigrams (ILIKE '%…%' and %).
	search_text text GENERATED ALWAYS AS (
		coalesce(name, '') || ' ' || phone || ' ' || coalesce(summary, '')) STORED,
	UNIQUE (org_id, phone),
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, service_id) REFERENCES services (org_id, id)
		ON DELETE SET NULL (service_id)
);
CREATE INDEX leads_org_updated_idx ON leads (org_id, updated_at DESC);
CREATE INDEX leads_org_status_idx ON leads (org_id, status, updated_at DESC);
CREATE INDEX leads_callback_idx ON leads (org_id, callback_at)
	WHERE callback_at IS NOT NULL;
CREATE INDEX leads_search_trgm_idx ON leads USING gin (search_text gin_trgm_ops);
CREATE TRIGGER leads_updated_at BEFORE UPDATE ON leads
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE calls (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	phone_number_id uuid,
	provider text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9_-]{0,31}$'),
	-- NULL only while an outbound call waits for the provider's id.
	provider_call_id text CHECK (char_length(provider_call_id) BETWEEN 1 AND 128),
	direction text NOT NULL DEFAULT 'inbound'
		CHECK (direction IN ('inbound', 'outbound')),
	from_number text NOT NULL CHECK (char_length(from_number) <= 64),
	to_number text NOT NULL CHECK (char_length(to_number) <= 64),
	status text NOT NULL DEFAULT 'queued'
		CHECK (status IN ('queued', 'ringing', 'in-progress', 'completed', 'missed',
				  'failed', 'busy', 'no-answer', 'canceled', 'transferred')),
	started_at timestamptz NOT NULL DEFAULT now(),
	answered_at timestamptz,
	ended_at timestamptz,
	duration_seconds integer CHECK (duration_seconds >= 0),
	recording_url text,
	recording_status text NOT NULL DEFAULT 'none'
		CHECK (recording_status IN ('none', 'pending', 'processing', 'completed', 'failed')),
	transfer_to text,
	transferred_at timestamptz,
	summary text,
	sentiment_score real CHECK (sentiment_score BETWEEN -1 AND 1),
	sentiment_label text CHECK (sentiment_label IN ('positive', 'neutral', 'negative', 'mixed')),
	urgency text CHECK (urgency IN ('low', 'normal', 'high', 'emergency')),
	value_cents bigint CHECK (value_cents >= 0),
	booked boolean NOT NULL DEFAULT false,
	ended_reason text,
	-- Post-call classification, free text so the analysis can grow labels
	-- (e.g. call_type 'service_request', customer_type 'new', call_purpose
	-- 'book drain cleaning').
	call_type text,
	customer_type text,
	call_purpose text,
	lead_id uuid,
	cost_cents bigint CHECK (cost_cents >= 0),
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CHECK (ended_at IS NULL OR ended_at >= started_at),
	UNIQUE (provider, provider_call_id),
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, phone_number_id) REFERENCES phone_numbers (org_id, id)
		ON DELETE SET NULL (phone_number_id),
	FOREIGN KEY (org_id, lead_id) REFERENCES leads (org_id, id)
		ON DELETE SET NULL (lead_id)
);
CREATE INDEX calls_org_started_idx ON calls (org_id, started_at DESC);
CREATE INDEX calls_org_lead_idx ON calls (org_id, lead_id, started_at DESC)
	WHERE lead_id IS NOT NULL;
CREATE INDEX calls_org_from_idx ON calls (org_id, from_number, started_at DESC);
-- The dashboard's "in progress now" strip.
CREATE INDEX calls_live_idx ON calls (org_id, started_at DESC)
	WHERE status IN ('queued', 'ringing', 'in-progress');
CREATE TRIGGER calls_updated_at BEFORE UPDATE ON calls
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER calls_notify AFTER INSERT OR UPDATE ON calls
	FOR EACH ROW EXECUTE FUNCTION notify_org_event();

-- calls and leads point at each other; the second link waits for both tables.
ALTER TABLE leads ADD FOREIGN KEY (org_id, last_call_id) REFERENCES calls (org_id, id)
	ON DELETE SET NULL (last_call_id);

CREATE TABLE call_turns (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	call_id uuid NOT NULL,
	-- Order within the call, assigned by the writer (0, 1, 2, …); the
	-- unique key makes a retried write after a worker restart harmless.
	seq integer NOT NULL CHECK (seq >= 0),
	speaker text NOT NULL CHECK (speaker IN ('caller', 'assistant', 'system')),
	-- What was recognised (caller) or generated (assistant) ...
	text text NOT NULL,
	-- ... and what was actually played before barge-in cut it off.
	played_text text,
	started_at timestamptz NOT NULL DEFAULT now(),
	stt_ms integer CHECK (stt_ms >= 0),
	brain_first_token_ms integer CHECK (brain_first_token_ms >= 0),
	tts_first_audio_ms integer CHECK (tts_first_audio_ms >= 0),
	total_ms integer CHECK (total_ms >= 0),
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (call_id, seq),
	FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id) ON DELETE CASCADE
);
CREATE INDEX call_turns_org_idx ON call_turns (org_id, created_at);

CREATE TABLE call_sessions (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	call_id uuid NOT NULL UNIQUE,
	-- Dialog state (filled slots, pending question, engine in use) so any
	-- fcgi process or a restarted voice worker can carry on the call.
	state jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(state) = 'object'),
	updated_at timestamptz NOT NULL DEFAULT now(),
	expires_at timestamptz NOT NULL DEFAULT now() + interval '2 hours',
	FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id) ON DELETE CASCADE
);
CREATE INDEX call_sessions_expires_idx ON call_sessions (expires_at);
CREATE INDEX call_sessions_org_idx ON call_sessions (org_id);
CREATE TRIGGER call_sessions_updated_at BEFORE UPDATE ON call_sessions
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- One row per provider event ever received, answered or not. org_id is NULL
-- when the called number belongs to no org; such rows are visible to the
-- app only through webhook_event_record() (003).
CREATE TABLE webhook_events (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid REFERENCES organizations ON DELETE CASCADE,
	provider text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9_-]{0,31}$'),
	event_key text NOT NULL CHECK (char_length(event_key) BETWEEN 1 AND 512),
	received_at timestamptz NOT NULL DEFAULT now(),
	-- The answer given the first time, replayed to retried deliveries.
	response_status integer CHECK (response_status BETWEEN 100 AND 599),
	response_type text,
	response_body text,
	answered_at timestamptz,
	UNIQUE (provider, event_key)
);
CREATE INDEX webhook_events_org_idx ON webhook_events (org_id, received_at DESC);
CREATE INDEX webhook_events_received_idx ON webhook_events (received_at);

CREATE TABLE lead_notes (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	lead_id uuid NOT NULL,
	user_id uuid,
	body text NOT NULL CHECK (btrim(body) <> '' AND char_length(body) <= 10000),
	created_at timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (org_id, lead_id) REFERENCES leads (org_id, id) ON DELETE CASCADE,
	FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
		ON DELETE SET NULL (user_id)
);
CREATE INDEX lead_notes_lead_idx ON lead_notes (org_id, lead_id, created_at DESC);

CREATE TABLE appointments (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	lead_id uuid,
	call_id uuid,
	service_id uuid,
	customer_name text NOT NULL CHECK (char_length(customer_name) BETWEEN 1 AND 200),
	customer_phone text CHECK (char_length(customer_phone) <= 32),
	address text CHECK (char_length(address) <= 500),
	starts_at timestamptz NOT NULL,
	ends_at timestamptz NOT NULL,
	status text NOT NULL DEFAULT 'scheduled'
		CHECK (status IN ('scheduled', 'confirmed', 'cancelled', 'completed', 'no_show')),
	notes text,
	-- Event id in the connected calendar, once synced.
	external_event_id text,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	CHECK (ends_at > starts_at),
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, lead_id) REFERENCES leads (org_id, id)
		ON DELETE SET NULL (lead_id),
	FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id)
		ON DELETE SET NULL (call_id),
	FOREIGN KEY (org_id, service_id) REFERENCES services (org_id, id)
		ON DELETE SET NULL (service_id),
	-- The guarantee that two bookings never collide, whatever the race:
	-- the losing transaction gets exclusion_violation (23P01). Ranges are
	-- half-open, so back-to-back slots are fine.
	CONSTRAINT appointments_no_overlap EXCLUDE USING gist (
		org_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
		WHERE (status <> 'cancelled')
);
CREATE INDEX appointments_org_starts_idx ON appointments (org_id, starts_at);
CREATE INDEX appointments_lead_idx ON appointments (org_id, lead_id)
	WHERE lead_id IS NOT NULL;
CREATE TRIGGER appointments_updated_at BEFORE UPDATE ON appointments
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER appointments_notify AFTER INSERT OR UPDATE ON appointments
	FOR EACH ROW EXECUTE FUNCTION notify_org_event();

CREATE TABLE knowledge_entries (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	question text NOT NULL CHECK (btrim(question) <> ''),
	answer text NOT NULL CHECK (btrim(answer) <> ''),
	tags text[] NOT NULL DEFAULT '{}',
	-- Query with plainto_tsquery('english', $1) / websearch_to_tsquery
	-- and ts_rank(search, …) so the index is used.
	search tsvector GENERATED ALWAYS AS (
		to_tsvector('english', coalesce(question, '') || ' ' || coalesce(answer, ''))) STORED,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX knowledge_entries_search_idx ON knowledge_entries USING gin (search);
CREATE INDEX knowledge_entries_org_idx ON knowledge_entries (org_id, updated_at DESC);
CREATE TRIGGER knowledge_entries_updated_at BEFORE UPDATE ON knowledge_entries
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Every SMS and email, including those only logged because SMS is off or
-- no provider is configured, so the owner can see what would have gone out.
CREATE TABLE notifications (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	channel text NOT NULL CHECK (channel IN ('sms', 'email')),
	-- What the message is for: 'confirmation', 'reminder', 'missed_call', …
	purpose text CHECK (char_length(purpose) <= 64),
	to_address text NOT NULL CHECK (char_length(to_address) BETWEEN 1 AND 254),
	subject text,
	body text NOT NULL,
	status text NOT NULL DEFAULT 'queued'
		CHECK (status IN ('queued', 'sent', 'logged', 'failed', 'skipped')),
	error text,
	provider_message_id text,
	call_id uuid,
	appointment_id uuid,
	lead_id uuid,
	created_at timestamptz NOT NULL DEFAULT now(),
	sent_at timestamptz,
	FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id)
		ON DELETE SET NULL (call_id),
	FOREIGN KEY (org_id, appointment_id) REFERENCES appointments (org_id, id)
		ON DELETE SET NULL (appointment_id),
	FOREIGN KEY (org_id, lead_id) REFERENCES leads (org_id, id)
		ON DELETE SET NULL (lead_id)
);
CREATE INDEX notifications_org_created_idx ON notifications (org_id, created_at DESC);
-- Delivery-status callbacks find their message by the provider's id.
CREATE INDEX notifications_provider_msg_idx ON notifications (provider_message_id)
	WHERE provider_message_id IS NOT NULL;

-- Numbers that texted STOP: nothing is ever texted to them again.
CREATE TABLE opt_outs (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	phone text NOT NULL CHECK (char_length(phone) BETWEEN 1 AND 32),
	reason text,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, phone)
);

-- The job queue. status: queued (waiting for run_at), running (claimed by
-- locked_by), done, failed (a handler gave up for good), dead (ran out of
-- attempts). Claiming goes through jobs_claim() (003).
CREATE TABLE jobs (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.-]{0,63}$'),
	payload jsonb NOT NULL DEFAULT '{}',
	status text NOT NULL DEFAULT 'queued'
		CHECK (status IN ('queued', 'running', 'done', 'failed', 'dead')),
	run_at timestamptz NOT NULL DEFAULT now(),
	attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 100),
	last_error text,
	locked_by text,
	locked_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	finished_at timestamptz,
	-- Same (org, kind, key) is enqueued once ever, e.g. one reminder per
	-- appointment, one text-back per missed call.
	dedupe_key text,
	CHECK (status <> 'running' OR (locked_by IS NOT NULL AND locked_at IS NOT NULL))
);
CREATE UNIQUE INDEX jobs_dedupe_uniq ON jobs (org_id, kind, dedupe_key)
	WHERE dedupe_key IS NOT NULL;
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE status = 'queued';
CREATE INDEX jobs_running_idx ON jobs (locked_at) WHERE status = 'running';
CREATE INDEX jobs_org_created_idx ON jobs (org_id, created_at DESC);

CREATE TABLE calendar_connections (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	provider text NOT NULL DEFAULT 'google'
		CHECK (provider ~ '^[a-z][a-z0-9_-]{0,31}$'),
	account text NOT NULL CHECK (char_length(account) BETWEEN 1 AND 254),
	-- AES-256-GCM ciphertext (nonce || ciphertext || tag); the key lives in
	-- config, never in the database.
	access_token_enc bytea,
	refresh_token_enc bytea,
	expires_at timestamptz,
	calendar_id text NOT NULL DEFAULT 'primary',
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, provider, account)
);
CREATE TRIGGER calendar_connections_updated_at BEFORE UPDATE ON calendar_connections
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Per-org provider secrets (Twilio auth token, Vapi secret, LLM key, …).
CREATE TABLE provider_credentials (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	provider text NOT NULL CHECK (provider ~ '^[a-z][a-z0-9_-]{0,31}$'),
	name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
	-- AES-256-GCM ciphertext, as for calendar tokens.
	secret_enc bytea NOT NULL,
	-- The last four characters, so the settings page can say "…a1b2".
	secret_hint text CHECK (char_length(secret_hint) <= 4),
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, provider, name)
);
CREATE TRIGGER provider_credentials_updated_at BEFORE UPDATE ON provider_credentials
	FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE call_a_b_tests (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	name text NOT NULL CHECK (btrim(name) <> '' AND char_length(name) <= 200),
	-- The two greetings/scripts being compared.
	variant_a text NOT NULL,
	variant_b text NOT NULL,
	active boolean NOT NULL DEFAULT true,
	created_at timestamptz NOT NULL DEFAULT now(),
	ended_at timestamptz,
	UNIQUE (org_id, id)
);
-- A call is answered by at most one experiment at a time.
CREATE UNIQUE INDEX call_a_b_tests_one_active ON call_a_b_tests (org_id) WHERE active;

CREATE TABLE call_responses (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	test_id uuid NOT NULL,
	call_id uuid NOT NULL,
	variant text NOT NULL CHECK (variant IN ('a', 'b')),
	-- Filled by post-call analysis: 'booked', 'lead', 'transferred',
	-- 'hung_up', …; NULL until then.
	outcome text CHECK (char_length(outcome) <= 64),
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (test_id, call_id),
	FOREIGN KEY (org_id, test_id) REFERENCES call_a_b_tests (org_id, id) ON DELETE CASCADE,
	FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id) ON DELETE CASCADE
);
CREATE INDEX call_responses_test_idx ON call_responses (org_id, test_id, variant);

-- Who did what in the dashboard. Append-only for the app: no UPDATE or
-- DELETE is granted, so a compromised session cannot rewrite history.
CREATE TABLE audit_log (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	user_id uuid,
	action text NOT NULL CHECK (char_length(action) BETWEEN 1 AND 64),
	target text,
	detail jsonb NOT NULL DEFAULT '{}',
	created_at timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
		ON DELETE SET NULL (user_id)
);
CREATE INDEX audit_log_org_created_idx ON audit_log (org_id, created_at DESC);

-- Row-level security: the same tenant policy everywhere. For webhook_events
-- it also hides rows whose org is unknown (NULL never equals anything).
ALTER TABLE phone_numbers ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON phone_numbers
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE services ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON services
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE leads ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON leads
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE calls ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON calls
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE call_turns ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON call_turns
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE call_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON call_sessions
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_events
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE lead_notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON lead_notes
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE appointments ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON appointments
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE knowledge_entries ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON knowledge_entries
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notifications
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE opt_outs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON opt_outs
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON jobs
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE calendar_connections ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON calendar_connections
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE provider_credentials ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON provider_credentials
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE call_a_b_tests ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON call_a_b_tests
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE call_responses ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON call_responses
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_log
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());

GRANT SELECT, INSERT, UPDATE, DELETE ON
	phone_numbers, services, leads, calls, call_turns, call_sessions,
	lead_notes, appointments, knowledge_entries, notifications, opt_outs,
	jobs, calendar_connections, provider_credentials, call_a_b_tests,
	call_responses
	TO switchboard_app;
-- Written only through webhook_event_record()/webhook_event_answer().
GRANT SELECT ON webhook_events TO switchboard_app;
GRANT SELECT, INSERT ON audit_log TO switchboard_app;
-- No table uses a sequence today; this keeps a future serial column usable.
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO switchboard_app;

CALL revoke_public_execute();
