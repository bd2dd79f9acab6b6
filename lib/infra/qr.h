/* qr.h: QR codes (ISO/IEC 18004) through libqrencode, drawn as SVG */
#ifndef SB_QR_H
#define SB_QR_H

struct arena;

/*
 * text as a QR code in an SVG document: black modules on white with the standard four-module
 * quiet zone, error correction level M, one unit per module (the page scales it). Arena-owned;
 * NULL when the text cannot be encoded (too long, or out of memory).
 */
char *qr_svg(struct arena *a, const char *text);

#endif
