/* qr.c: QR codes (ISO/IEC 18004) through libqrencode, drawn as SVG */
#include "infra/qr.h"

#include <qrencode.h>

#include "infra/arena.h"
#include "infra/buf.h"

/* The blank margin a reader needs around the code, in modules (ISO/IEC 18004, 4 or more). */
#define QUIET_ZONE 4

char *qr_svg(struct arena *a, const char *text)
{
	/* Version 0: the smallest symbol that holds text; case-sensitive 8-bit data. */
	QRcode *code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);

	if (!code)
		return NULL;
	int width = code->width, size = width + 2 * QUIET_ZONE;
	struct buf b = BUF_INIT;
	buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		   "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
		   "<path fill=\"#000\" d=\"", size, size, size, size);
	/* One path of unit squares, a run of dark modules in a row drawn as one rectangle. */
	for (int y = 0; y < width; y++) {
		for (int x = 0; x < width;) {
			if (!(code->data[y * width + x] & 1)) {
				x++;
				continue;
			}
			int run = 1;
			while (x + run < width && (code->data[y * width + x + run] & 1))
				run++;
			buf_printf(&b, "M%d %dh%dv1h-%dz", x + QUIET_ZONE, y + QUIET_ZONE, run, run);
			x += run;
		}
	}
	buf_puts(&b, "\"/></svg>");
	QRcode_free(code);
	char *out = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return out;
}
