/* voice_browser.h: the dashboard's test call: a browser talks to the receptionist over WebSocket */
#ifndef SB_VOICE_BROWSER_H
#define SB_VOICE_BROWSER_H

#include <libwebsockets.h>

struct browser_call;
struct voice_env;

/*
 * The browser protocol, on /media/browser with the subprotocol "switchboard-browser":
 *   browser → worker: first a text message {"event":"start","token":"<media token>"}, then
 *   binary messages of 16 kHz 16-bit little-endian mono PCM (20 ms = 640 bytes), and
 *   optionally {"event":"stop"} to hang up.
 *   worker → browser: {"event":"transcript","speaker":"caller"|"assistant","text":"..."} text
 *   messages, binary messages of the receptionist's voice in the same PCM format, and
 *   {"event":"hangup"} when the receptionist ends the call (the worker then closes).
 * A bad token, a binary message before the start, an odd-sized or oversized message or
 * unreadable text closes that connection only.
 */

/* Share the worker's environment (pool, silence window) with browser calls; env outlives them. */
void voice_browser_setup(const struct voice_env *env);

/* The libwebsockets protocol callback of browser test calls; each connection's user data is
 * one struct browser_call pointer (per-session size sizeof(struct browser_call *)). */
int voice_browser_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			   void *in, size_t len);

/* The WebSocket subprotocol a test call names (Twilio names none and gets the first protocol),
 * on the one path it is accepted on. */
#define VOICE_BROWSER_PROTOCOL "switchboard-browser"
#define VOICE_BROWSER_PATH "/media/browser"

/* Largest message accepted from a browser (a text message, or up to 250 ms of audio). */
#define VOICE_BROWSER_MESSAGE_MAX 8000

#endif
