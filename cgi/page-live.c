/* page-live.c: nginx asks here whether a browser may subscribe to a business's live events */
#include <string.h>

#include "answer.h"
#include "page.h"
#include "pages.h"
#include "req.h"

/*
 * GET /_live/authorize/:id, called by nchan (nchan_authorize_request) for every subscription
 * to /live/<org id>, with the browser's cookies; nginx keeps the address from the outside.
 * The router has checked the session (R_AUTH: 401 without one). The channel must be the
 * session's own business: 200 subscribes, 403 refuses, so one business can never listen to
 * another's events, whatever id it names.
 */
void page_live_authorize(struct req *r)
{
	if (!r->path_id || strcmp(r->path_id, r->org_id)) {
		http_fail(r, 403, "these live events are another business's");
		return;
	}
	http_send(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}
