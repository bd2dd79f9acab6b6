-- 030_new_call_cost: less work for PostgreSQL on each new call and each turn: a call's column
-- rules as domains, and no second lock on the business's row for each turn stored.
--
-- PostgreSQL rebuilds a table's CHECK constraints from their stored text for every INSERT and
-- UPDATE statement (ExecRelCheck: stringToNode, expression_planner, ExecPrepareExpr), and
-- calls had fourteen: on a new call's INSERT they were 60-70% of the statement's own time
-- (perf on a backend inserting calls, triggers disabled; 143 us against 43 us without them, on a
-- loaded machine). A domain's constraints are read once per backend and kept in its type cache,
-- so the same rules as domains cost a small fraction of that. The rules themselves are
-- unchanged, and a value that breaks one is still refused with check_violation (23514).
-- The one rule across two columns (ended_at >= started_at) stays a CHECK.

CREATE DOMAIN call_status AS text
	CHECK (VALUE IN ('pending', 'initiated', 'queued', 'ringing', 'in-progress', 'completed',
			 'missed', 'failed', 'busy', 'no-answer', 'canceled', 'transferred'));
CREATE DOMAIN call_direction AS text CHECK (VALUE IN ('inbound', 'outbound'));
-- A provider's short name, as webhook_events has it: twilio, vapi, telnyx, browser.
CREATE DOMAIN provider_name AS text CHECK (VALUE ~ '^[a-z][a-z0-9_-]{0,31}$');
-- A provider's own id of a call (a CallSid, a Vapi call id).
CREATE DOMAIN provider_call_ref AS text CHECK (char_length(VALUE) BETWEEN 1 AND 128);
-- A phone number as the provider gave it: E.164 as a rule, a SIP address now and then.
CREATE DOMAIN call_party AS text CHECK (char_length(VALUE) <= 64);
CREATE DOMAIN recording_state AS text
	CHECK (VALUE IN ('none', 'pending', 'processing', 'completed', 'failed'));
CREATE DOMAIN sentiment_kind AS text CHECK (VALUE IN ('positive', 'neutral', 'negative', 'mixed'));
CREATE DOMAIN urgency_level AS text CHECK (VALUE IN ('low', 'normal', 'high', 'emergency'));
CREATE DOMAIN sentiment_measure AS real CHECK (VALUE BETWEEN -1 AND 1);
CREATE DOMAIN cents AS bigint CHECK (VALUE >= 0);
CREATE DOMAIN seconds_count AS integer CHECK (VALUE >= 0);

-- Two triggers name columns whose type changes: they are made again, as they were (004, 018).
DROP TRIGGER calls_dashboard_recount ON calls;
DROP TRIGGER calls_keep_nothing ON calls;

ALTER TABLE calls
	DROP CONSTRAINT calls_status_check,
	DROP CONSTRAINT calls_direction_check,
	DROP CONSTRAINT calls_provider_check,
	DROP CONSTRAINT calls_provider_call_id_check,
	DROP CONSTRAINT calls_from_number_check,
	DROP CONSTRAINT calls_to_number_check,
	DROP CONSTRAINT calls_recording_status_check,
	DROP CONSTRAINT calls_sentiment_label_check,
	DROP CONSTRAINT calls_urgency_check,
	DROP CONSTRAINT calls_sentiment_score_check,
	DROP CONSTRAINT calls_value_cents_check,
	DROP CONSTRAINT calls_cost_cents_check,
	DROP CONSTRAINT calls_duration_seconds_check,
	ALTER status TYPE call_status,
	ALTER direction TYPE call_direction,
	ALTER provider TYPE provider_name,
	ALTER provider_call_id TYPE provider_call_ref,
	ALTER from_number TYPE call_party,
	ALTER to_number TYPE call_party,
	ALTER recording_status TYPE recording_state,
	ALTER sentiment_label TYPE sentiment_kind,
	ALTER urgency TYPE urgency_level,
	ALTER sentiment_score TYPE sentiment_measure,
	ALTER value_cents TYPE cents,
	ALTER cost_cents TYPE cents,
	ALTER duration_seconds TYPE seconds_count;

-- Most updates of a call (transcript summary, recording, analysis) change
-- nothing counted: those skip the trigger altogether.
CREATE TRIGGER calls_dashboard_recount AFTER UPDATE ON calls
	FOR EACH ROW
	WHEN (OLD.org_id IS DISTINCT FROM NEW.org_id
	      OR OLD.started_at IS DISTINCT FROM NEW.started_at
	      OR OLD.direction IS DISTINCT FROM NEW.direction
	      OR OLD.status IS DISTINCT FROM NEW.status
	      OR OLD.booked IS DISTINCT FROM NEW.booked
	      OR OLD.duration_seconds IS DISTINCT FROM NEW.duration_seconds)
	EXECUTE FUNCTION calls_dashboard_count();
CREATE TRIGGER calls_keep_nothing
	BEFORE INSERT OR UPDATE OF recording_url, recording_status ON calls
	FOR EACH ROW EXECUTE FUNCTION calls_keep_nothing();

-- The same for the other rows every call and turn writes: its turns, and the webhook event kept
-- with its answer. (webhook_events.response_status keeps its CHECK: webhook_event_take() returns
-- it as an int, and a function's RETURN QUERY takes no domain for its base type.)
CREATE DOMAIN turn_speaker AS text CHECK (VALUE IN ('caller', 'assistant', 'system'));
CREATE DOMAIN turn_number AS integer CHECK (VALUE >= 0);
CREATE DOMAIN millis AS integer CHECK (VALUE >= 0);
CREATE DOMAIN webhook_event_key AS text CHECK (char_length(VALUE) BETWEEN 1 AND 512);

ALTER TABLE call_turns
	DROP CONSTRAINT call_turns_seq_check,
	DROP CONSTRAINT call_turns_speaker_check,
	DROP CONSTRAINT call_turns_stt_ms_check,
	DROP CONSTRAINT call_turns_brain_first_token_ms_check,
	DROP CONSTRAINT call_turns_tts_first_audio_ms_check,
	DROP CONSTRAINT call_turns_total_ms_check,
	ALTER seq TYPE turn_number,
	ALTER speaker TYPE turn_speaker,
	ALTER stt_ms TYPE millis,
	ALTER brain_first_token_ms TYPE millis,
	ALTER tts_first_audio_ms TYPE millis,
	ALTER total_ms TYPE millis;

ALTER TABLE webhook_events
	DROP CONSTRAINT webhook_events_provider_check,
	DROP CONSTRAINT webhook_events_event_key_check,
	ALTER provider TYPE provider_name,
	ALTER event_key TYPE webhook_event_key;

-- A turn and a session belong to their call by (org_id, call_id), a key of calls that also
-- deletes them with it, and a call belongs to its business: their own key to organizations
-- said nothing more. It cost a look-up and a KEY SHARE lock on the business's row (WAL, and
-- a multixact when calls of one business overlap) for every turn stored: two or three a turn.
ALTER TABLE call_turns DROP CONSTRAINT call_turns_org_id_fkey;
ALTER TABLE call_sessions DROP CONSTRAINT call_sessions_org_id_fkey;

-- The dashboard's quarter-hour counts are written into one of eight slots (028) so that a
-- business's calls of one quarter hour do not wait on one row. Once the day is over nobody
-- writes them but a late change to an old call: the retention job adds each quarter hour's
-- slots into slot 0, so that the rows the dashboard sums stay one a quarter hour, as before.
CREATE FUNCTION dashboard_buckets_fold() RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
DECLARE
	folded integer;
BEGIN
	WITH moved AS (
		DELETE FROM dashboard_buckets
		WHERE org_id = app_org_id() AND slot > 0 AND bucket < now() - interval '1 day'
		RETURNING org_id, bucket, calls, missed, answered, booked, duration_sum,
			  duration_count, bookings
	), summed AS (
		SELECT org_id, bucket, sum(calls)::int AS calls, sum(missed)::int AS missed,
		       sum(answered)::int AS answered, sum(booked)::int AS booked,
		       sum(duration_sum)::bigint AS duration_sum,
		       sum(duration_count)::int AS duration_count, sum(bookings)::int AS bookings
		FROM moved GROUP BY org_id, bucket
	)
	INSERT INTO dashboard_buckets AS b (org_id, bucket, slot, calls, missed, answered, booked,
					    duration_sum, duration_count, bookings)
	SELECT org_id, bucket, 0, calls, missed, answered, booked, duration_sum, duration_count,
	       bookings
	FROM summed
	ON CONFLICT (org_id, bucket, slot) DO UPDATE
	SET calls = b.calls + EXCLUDED.calls, missed = b.missed + EXCLUDED.missed,
	    answered = b.answered + EXCLUDED.answered, booked = b.booked + EXCLUDED.booked,
	    duration_sum = b.duration_sum + EXCLUDED.duration_sum,
	    duration_count = b.duration_count + EXCLUDED.duration_count,
	    bookings = b.bookings + EXCLUDED.bookings;
	GET DIAGNOSTICS folded = ROW_COUNT;
	RETURN folded;
END
$$;
REVOKE EXECUTE ON FUNCTION dashboard_buckets_fold() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dashboard_buckets_fold() TO switchboard_jobs;

-- twilio_line_for() (028) answers what twilio_account_for() did and more, and nothing calls the
-- older one any more.
DROP FUNCTION twilio_account_for(text, text);
