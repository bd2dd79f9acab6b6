-- 031_unread_indexes: four indexes that every new call and every turn wrote into and no query reads.
--
-- A new call in gather mode inserts a row into calls, call_turns, call_sessions and
-- webhook_events: 19 index entries before this, each a B-tree descent, a page change and a WAL
-- record (28 WAL records and 3.8 KB a call, measured with pg_stat_wal). These four serve no
-- statement in cgi/, lib/, worker/ or sql/:
--   call_turns_org_idx (org_id, created_at): turns are read by their call (call_id, seq), and
--     deleted with their call or by the retention job, which joins them to calls;
--   call_sessions_org_idx (org_id) and call_sessions_expires_idx (expires_at): a session is
--     read and written by its call (call_id), and nothing asks for sessions by business or by
--     expiry;
--   webhook_events_org_idx (org_id, received_at DESC): an event is found by
--     (org_id, provider, event_key), and the prune goes by received_at alone.
-- Deleting a business still finds its rows by an index that starts with org_id, or through its
-- calls: webhook_events_org_key (org_id, provider, event_key), call_turns_call_id_seq_key and
-- call_sessions_call_id_key.

DROP INDEX call_turns_org_idx;
DROP INDEX call_sessions_org_idx;
DROP INDEX call_sessions_expires_idx;
DROP INDEX webhook_events_org_idx;
