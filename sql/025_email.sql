-- 025_email: email beside texts: the business's sender name and reply-to, alerts per channel
-- and kind with their recipients and quiet hours, the daily summary, the information email,
-- and the addresses that asked for no more mail.

-- How a business's email reads, and when its alerts and summary go out. Quiet hours are local
-- times in the business's time zone; both set or neither. summary_hour NULL: no daily summary.
ALTER TABLE organizations
	ADD COLUMN mail_sender_name text
		CHECK (char_length(mail_sender_name) <= 100 AND mail_sender_name !~ '[[:cntrl:]]'),
	ADD COLUMN mail_reply_to text
		CHECK (char_length(mail_reply_to) <= 254 AND
		       mail_reply_to ~ '^[^@[:space:][:cntrl:]<>,;:"()]+@[^@[:space:][:cntrl:]<>,;:"()]+$'),
	ADD COLUMN quiet_start time,
	ADD COLUMN quiet_end time,
	ADD COLUMN summary_hour integer CHECK (summary_hour BETWEEN 0 AND 23),
	ADD COLUMN summary_on_quiet_days boolean NOT NULL DEFAULT false,
	ADD COLUMN info_subject text CHECK (char_length(info_subject) <= 200 AND
					    info_subject !~ '[[:cntrl:]]'),
	ADD COLUMN info_body text CHECK (char_length(info_body) <= 5000),
	ADD COLUMN info_logo_url text CHECK (char_length(info_logo_url) <= 500 AND
					     info_logo_url ~ '^https://[^[:space:][:cntrl:]"<>]+$'),
	ADD CONSTRAINT organizations_quiet_both
		CHECK ((quiet_start IS NULL) = (quiet_end IS NULL));

-- Which alerts go out on a channel and to whom: one row per business and channel.
CREATE TABLE alert_channels (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	channel text NOT NULL CHECK (channel IN ('sms', 'email')),
	recipients text[] NOT NULL DEFAULT '{}' CHECK (cardinality(recipients) <= 10),
	on_booking boolean NOT NULL DEFAULT false,
	on_urgent boolean NOT NULL DEFAULT false,
	on_hot_lead boolean NOT NULL DEFAULT false,
	on_missed_call boolean NOT NULL DEFAULT false,
	updated_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, channel),
	UNIQUE (org_id, id),
	-- Phone numbers for texts, addresses for email, each recipient on its own.
	CHECK (channel <> 'sms' OR array_to_string(recipients, ',') ~ '^(\+[1-9][0-9]{6,14}(,|$))*$'),
	CHECK (channel <> 'email' OR array_to_string(recipients, ' ') ~
	       '^([^@[:space:][:cntrl:]<>,;:"()]+@[^@[:space:][:cntrl:]<>,;:"()]+( |$))*$')
);
ALTER TABLE alert_channels ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON alert_channels
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());

-- What the old settings promised ("urgent calls and new bookings are texted here") and what
-- was done (hot leads texted) carries over; the alert email, saved and never used, now gets
-- the same alerts.
INSERT INTO alert_channels (org_id, channel, recipients, on_booking, on_urgent, on_hot_lead)
SELECT id, 'sms', ARRAY[alert_phone], true, true, true FROM organizations
WHERE alert_phone IS NOT NULL;
INSERT INTO alert_channels (org_id, channel, recipients, on_booking, on_urgent, on_hot_lead)
SELECT id, 'email', ARRAY[alert_email], true, true, true FROM organizations
WHERE alert_email IS NOT NULL;

-- Addresses that asked for no more of a business's mail (alerts the owner set up still go).
CREATE TABLE mail_unsubscribes (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	address text NOT NULL CHECK (address = lower(address) AND char_length(address) <= 254),
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, address),
	UNIQUE (org_id, id)
);
ALTER TABLE mail_unsubscribes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON mail_unsubscribes
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());

-- The opaque link of each unsubscribable message: only its hash is kept, so the table does not
-- hand out working links.
CREATE TABLE mail_unsubscribe_links (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	address text NOT NULL CHECK (address = lower(address) AND char_length(address) <= 254),
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, id)
);
CREATE INDEX mail_unsubscribe_links_org_idx ON mail_unsubscribe_links (org_id, address);
ALTER TABLE mail_unsubscribe_links ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON mail_unsubscribe_links
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());

-- The one-click unsubscribe, reached with no session: the link's hash names the business and
-- the address, and nothing else can be learned or changed through it. Returns the address, or
-- no row for an unknown link. Repeating it changes nothing.
CREATE FUNCTION mail_unsubscribe(p_token_hash text)
	RETURNS TABLE (org_id uuid, address text)
	LANGUAGE sql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	WITH link AS (
		SELECT l.org_id, l.address FROM mail_unsubscribe_links l
		WHERE l.token_hash = p_token_hash
	), added AS (
		INSERT INTO mail_unsubscribes (org_id, address)
		SELECT link.org_id, link.address FROM link
		ON CONFLICT DO NOTHING
	)
	SELECT link.org_id, link.address FROM link
$$;

-- The daily summary of every business whose chosen hour it is now in its own time zone: one
-- job per business and local day (the dedupe key), however often the runner asks.
CREATE FUNCTION mail_summary_schedule()
	RETURNS integer
	LANGUAGE sql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	WITH queued AS (
		INSERT INTO jobs (org_id, kind, payload, dedupe_key)
		SELECT o.id, 'mail.summary',
		       jsonb_build_object('day', (now() AT TIME ZONE o.timezone)::date),
		       'summary:' || (now() AT TIME ZONE o.timezone)::date
		FROM organizations o
		WHERE o.summary_hour = extract(hour FROM now() AT TIME ZONE o.timezone)
		ON CONFLICT (org_id, kind, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
		RETURNING 1
	)
	SELECT count(*)::int FROM queued
$$;

CALL revoke_public_execute();
GRANT SELECT, INSERT, UPDATE, DELETE ON alert_channels TO switchboard_web;
GRANT SELECT ON alert_channels TO switchboard_jobs, switchboard_voice;
GRANT SELECT, INSERT, DELETE ON mail_unsubscribes TO switchboard_web;
GRANT SELECT ON mail_unsubscribes TO switchboard_jobs;
GRANT SELECT, INSERT ON mail_unsubscribe_links TO switchboard_jobs;
GRANT SELECT ON mail_unsubscribe_links TO switchboard_web;
GRANT EXECUTE ON FUNCTION mail_unsubscribe(text) TO switchboard_web;
GRANT EXECUTE ON FUNCTION mail_summary_schedule() TO switchboard_jobs;
