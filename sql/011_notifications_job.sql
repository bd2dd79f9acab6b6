-- 011_notifications_job: ties each text message to the job that sent it, so an attempt run
-- again (a retry, or a claim after the runner died) sees what earlier attempts already did.

-- No foreign key: finished jobs are pruned on their own schedule, and the message record
-- outlives them.
ALTER TABLE notifications ADD COLUMN job_id uuid;

-- At most one attempt of a job is sending or has settled (sent, logged, skipped); only
-- failed attempts repeat. The second sender's insert fails instead of texting twice.
CREATE UNIQUE INDEX notifications_job_once ON notifications (org_id, job_id)
	WHERE job_id IS NOT NULL AND status <> 'failed';
