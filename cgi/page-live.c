/* page-live.c: nginx asks here whether a browser may open a business's live-event stream */
#include <string.h>

#include "answer.h"
#include "page.h"
#include "pages.h"
#include "req.h"

/*
 * GET /_live/authorize/:id, nginx's auth_request for every stream of /live/<org id>, with the
 * browser's cookies; nginx keeps the address from the outside. The router has checked the
 * session (R_AUTH: 401 without one). The stream must be the session's own business: 200 with
 * the business in X-Live-Org, which nginx alone passes on to switchboard-live, or 403, so one
 * business can never listen to another's events, whatever id it names.
 */
void page_live_authorize(struct req *r)
{
	if (!r->path_id || strcmp(r->path_id, r->org_id)) {
		http_fail(r, 403, "these live events are another business's");
		return;
	}
	http_header(r, "X-Live-Org", r->org_id);
	http_send(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}
