/* mail_info.h: the business's information email to a caller ("Send info") */
#ifndef SB_MAIL_INFO_H
#define SB_MAIL_INFO_H

struct arena;
struct db;

/*
 * Queue the business's information email (the subject, text and logo of its settings, with
 * its name and number) to the address to, for lead_id (and call_id, may be NULL), in the
 * transaction open on db for org_id; the address becomes the lead's email. The owner's text
 * is only ever text: escaped in the HTML part, never a header. to must be one plain address.
 * Returns the job id (arena), or NULL on failure (no such lead, a bad address, the database).
 */
const char *mail_info_enqueue(struct db *db, struct arena *a, const char *org_id,
			      const char *lead_id, const char *call_id, const char *to);

#endif
