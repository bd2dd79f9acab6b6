/* fuzz_params.c: params_parse, the decoder of every query string and form body we receive */
/*
 * Proves, for any bytes: no read or write outside the input and the arena (ASan), no undefined
 * behaviour (UBSan), and that a successful parse keeps its promises: -1 or a count of at most
 * one pair per '&'-separated part, every name and value NUL-terminated inside its arena block,
 * and the decoded text never longer than the input it came from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "infra/arena.h"
#include "infra/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_new();
	struct param *p = NULL;
	/* An exact-size copy, so reading one byte past the end is caught. */
	char *text = malloc(size ? size : 1);
	size_t parts = 1;

	memcpy(text, data, size);
	for (size_t i = 0; i < size; i++)
		parts += text[i] == '&';
	int n = params_parse(a, text, size, &p);
	if (n < -1 || (n >= 0 && (size_t)n > parts) || (n > 0 && !p))
		abort();
	for (int i = 0; i < n; i++) {
		/* strlen runs to the NUL; ASan stops it if there is none inside the block. */
		size_t nlen = strlen(p[i].name), vlen = strlen(p[i].value);
		if (nlen + vlen > size)
			abort();
	}
	free(text);
	arena_free(a);
	return 0;
}
