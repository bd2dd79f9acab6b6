-- 027_live_events.sql: what a change tells the open pages of its business, over 'org_events'.
--
-- The payload is "<org id> <json>": switchboard-live reads the business from the first word to
-- choose its channel and passes the JSON on to the browsers untouched. The JSON names only
-- the kind of change, ids and "at", the start of the change's transaction in milliseconds
-- since 1970 (never a caller's words, number or name), so a page learns which of its parts to
-- fetch again from the server, which checks the session as for any page, and whether the
-- change is older than the page itself (then it is no news to toast):
--   {"kind":"call","id":…,"lead":…,"new":true}     a call started, or changed (status, summary)
--   {"kind":"turn","call":…}                        something was said on a call
--   {"kind":"booking","id":…,"lead":…,"new":true}   an appointment was booked, or changed
--   {"kind":"lead","id":…,"new":false}              a lead was made or changed (its score)
-- Identical notifications of one transaction still arrive once: a turn carries no sequence
-- number, so one transaction's turns of a call make a single event.

CREATE OR REPLACE FUNCTION notify_org_event() RETURNS trigger
	LANGUAGE plpgsql
	AS $$
DECLARE
	event jsonb;
	-- The transaction's start, the same for all its rows: identical events still fold.
	started_ms bigint := (extract(epoch FROM now()) * 1000)::bigint;
BEGIN
	-- plpgsql plans each branch for the table it fires on, so NEW's columns resolve per table.
	IF TG_TABLE_NAME = 'calls' THEN
		event := jsonb_build_object('kind', 'call', 'id', NEW.id, 'lead', NEW.lead_id,
					    'new', TG_OP = 'INSERT');
	ELSIF TG_TABLE_NAME = 'call_turns' THEN
		event := jsonb_build_object('kind', 'turn', 'call', NEW.call_id);
	ELSIF TG_TABLE_NAME = 'appointments' THEN
		event := jsonb_build_object('kind', 'booking', 'id', NEW.id, 'lead', NEW.lead_id,
					    'new', TG_OP = 'INSERT');
	ELSIF TG_TABLE_NAME = 'leads' THEN
		event := jsonb_build_object('kind', 'lead', 'id', NEW.id, 'new', TG_OP = 'INSERT');
	ELSE
		event := jsonb_build_object('kind', 'change');
	END IF;
	event := event || jsonb_build_object('at', started_ms);
	PERFORM pg_notify('org_events', NEW.org_id::text || ' ' || event::text);
	RETURN NULL;
END
$$;

CREATE TRIGGER call_turns_notify AFTER INSERT ON call_turns
	FOR EACH ROW EXECUTE FUNCTION notify_org_event();
CREATE TRIGGER leads_notify AFTER INSERT OR UPDATE ON leads
	FOR EACH ROW EXECUTE FUNCTION notify_org_event();

CALL revoke_public_execute();
