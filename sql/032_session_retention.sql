-- 032_session_retention: the receptionist's memory of a call goes with its transcript.
--
-- A call's session (call_sessions.state) keeps the last turns of the conversation and what the
-- caller gave (a name, a number, the time asked for). Retention dropped a call's transcript
-- (call_turns) but left the session, so the caller's words outlived the business's retention,
-- and a business that keeps nothing kept them. The job runner now deletes the session with the
-- transcript (lib/domain/retention.c).
GRANT DELETE ON call_sessions TO switchboard_jobs;
