/* answer.h: the buffered answer to a request: status, headers and body, sent whole at the end */
#ifndef SB_ANSWER_H
#define SB_ANSWER_H

#include <jansson.h>
#include <stddef.h>

struct req;

/* Set a response header (appended as "name: value"). */
void http_header(struct req *r, const char *name, const char *value);

/* Replace the whole answer with body of the given type and status. */
void http_send(struct req *r, int status, const char *content_type, const char *body, size_t len);

/* Replace the answer with a JSON value (the caller keeps its reference). */
void http_send_json(struct req *r, int status, json_t *value);

/* Answer 303 See Other to location (a local path). */
void http_redirect(struct req *r, const char *location);

/* The reason phrase of a status code ("Not Found"); a static string. */
const char *http_reason(int status);

#endif
