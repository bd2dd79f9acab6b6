/* mail_summary.h: the daily summary email of a business, at its chosen hour */
#ifndef SB_MAIL_SUMMARY_H
#define SB_MAIL_SUMMARY_H

#include <stddef.h>

#include "infra/jobs.h"

/*
 * The "mail.summary" job (queued by mail_summary_schedule() in SQL, once per business and
 * local day, payload {"day"}): counts the 24 hours before now (calls answered, after hours,
 * bookings and their value, missed calls and how many were texted back, the leads to call
 * back) and queues one unsubscribable email per alert email address. On a day with no calls
 * nothing is sent unless the business asked for it. Dedupe keys per day and address make a
 * rerun queue nothing. JOB_RETRY when the database fails.
 */
enum job_outcome mail_summary_job(struct db *db, struct arena *a, const struct job *job,
				  char *error, size_t errlen);

#endif
