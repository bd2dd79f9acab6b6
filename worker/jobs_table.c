/* jobs_table.c: every kind of job switchboard-jobs runs, and the function that runs it */
#include <stddef.h>

#include "domain/callback.h"
#include "infra/jobs.h"
#include "domain/leads.h"
#include "domain/mail.h"
#include "domain/mail_summary.h"
#include "domain/notify.h"
#include "domain/practice.h"
#include "domain/recordings.h"
#include "domain/retention.h"

const struct job_kind job_kinds[] = {
	{ "sms.send", notify_sms_job },
	{ "mail.send", mail_send_job },
	{ "mail.summary", mail_summary_job },
	/* The analysis, then nothing kept of the call when its business keeps nothing. */
	{ "call.analyze", retention_analyze_job },
	{ "lead.callback", callback_job },
	{ "recording.check", recordings_check_job },
	{ "retention.prune", retention_prune_job },
	{ "practice.run", practice_job },
	{ NULL, NULL },
};
