/* jobs_table.c: every kind of job switchboard-jobs runs, and the function that runs it */
#include <stddef.h>

#include "callback.h"
#include "jobs.h"
#include "leads.h"
#include "notify.h"
#include "recordings.h"

const struct job_kind job_kinds[] = {
	{ "sms.send", notify_sms_job },
	{ "call.analyze", leads_analyze_job },
	{ "lead.callback", callback_job },
	{ "recording.check", recordings_check_job },
	{ NULL, NULL },
};
