/* setup.h: whether a business's chosen ways of working can work, and what to do when not */
#ifndef SB_SETUP_H
#define SB_SETUP_H

struct arena;
struct db;

/*
 * Why call mode ("gather", "stream" or "vapi") cannot answer the calls of org_id, with the fix,
 * in one sentence for the owner, or *problem = NULL when it can: stream needs speech
 * recognition (a Deepgram key of the business or the server); vapi needs a server URL Vapi can
 * reach over https (PUBLIC_BASE_URL) and the business's Vapi server secret. db has the
 * organization's transaction open. Returns 0 (*problem arena-owned or static), -1 on a
 * database error (logged).
 */
int setup_call_mode_problem(struct db *db, struct arena *a, const char *org_id, const char *mode,
			    const char **problem);

/*
 * Why texts switched on could not be sent for org_id, with the fix, or *problem = NULL when
 * they can: a Twilio account (the business's own or the server's) and an active verified
 * number to send from. Returns 0, or -1 on a database error (logged).
 */
int setup_sms_problem(struct db *db, struct arena *a, const char *org_id, const char **problem);

#endif
