/* reminders.h: the texts that remind a customer of an appointment, sent by the job runner */
#ifndef SB_REMINDERS_H
#define SB_REMINDERS_H

#include <stddef.h>

#include "infra/jobs.h"

struct arena;
struct db;

/* A reminder's moment may be at most this late at booking time and still be sent; later than
 * that (booked or moved after it), it is skipped: sql/022's reminders_schedule() says 15
 * minutes, and the settings page says so too. */
#define REMINDER_GRACE_MINUTES 15

/*
 * The "reminder.send" job: payload {"appointment_id", "reminder", "starts_at"}. Texts the
 * customer the reminder when the appointment is still open, still at starts_at (a moved one
 * has reminders of its own) and the business still sends reminders; never to a number that
 * opted out (notify_sms). A job claimed again never texts twice. JOB_RETRY when trying later
 * can help; JOB_FAILED for a payload that is not one or Twilio's refusal.
 */
enum job_outcome reminders_send_job(struct db *db, struct arena *a, const struct job *job,
				    char *error, size_t errlen);

#endif
