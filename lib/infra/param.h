/* param.h: one decoded name=value pair of a query string or form, shared by cgi/ and lib/ */
#ifndef SB_PARAM_H
#define SB_PARAM_H

/* One name=value pair of a query string or form, decoded, in the order received. */
struct param {
	const char *name;
	const char *value;
};

#endif
