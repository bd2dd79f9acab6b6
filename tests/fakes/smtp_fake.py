"""smtp_fake: a mail relay on loopback for tests and `make run` (PROTOCOLS.md section 12).

It speaks real SMTP through aiosmtpd (Debian's python3-aiosmtpd): STARTTLS with a certificate
of a test CA it makes at start (written to --tls-dir; the programs trust ca.pem through
SMTP_CA_FILE), AUTH PLAIN/LOGIN only after STARTTLS and only with --user/--password, and it
refuses MAIL FROM before STARTTLS and AUTH (530), as a relay on port 587 does.

Every message accepted is recorded and, with --maildir, written there as <n>.eml, so someone
running `make run` can read what the application sent.

A control API over HTTP on --control-port steers and reads it:
  GET  /_fake/messages            [{"mail_from", "rcpt_tos", "data", "auth_user", "tls"}]
  POST /_fake/reset               forget the messages and every rule
  POST /_fake/rule                {"stage": "mail"|"rcpt"|"data", "action": "refuse"|"stall"|
                                   "drop", "code": 451, "seconds": 30, "times": 1}
                                  refuse answers code at that stage, stall waits seconds before
                                  answering, drop closes the connection there; times (default:
                                  for ever) is how many sessions the rule applies to.
  GET  /_fake/sessions            how many SMTP sessions reached each stage (for tests of retries)
"""
import argparse
import asyncio
import json
import os
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def make_test_ca(tls_dir):
    """A CA and a certificate for 127.0.0.1 and localhost signed by it, made with openssl."""
    os.makedirs(tls_dir, exist_ok=True)
    ca_key, ca_pem = f"{tls_dir}/ca.key", f"{tls_dir}/ca.pem"
    key, csr, pem = f"{tls_dir}/server.key", f"{tls_dir}/server.csr", f"{tls_dir}/server.pem"
    ext = f"{tls_dir}/server.ext"
    if os.path.exists(pem) and os.path.exists(ca_pem):
        return pem, key, ca_pem
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                    "-subj", "/CN=Switchboard test mail CA", "-keyout", ca_key, "-out", ca_pem],
                   **quiet)
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                    "-keyout", key, "-out", csr], **quiet)
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n")
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key,
                    "-CAcreateserial", "-days", "30", "-extfile", ext, "-out", pem], **quiet)
    return pem, key, ca_pem


class Relay:
    """What the fake received and the rules it follows; shared by SMTP and the control API."""

    def __init__(self, maildir=None):
        self.lock = threading.Lock()
        self.messages = []
        self.rules = []
        self.stages = {"connect": 0, "mail": 0, "rcpt": 0, "data": 0}
        self.maildir = maildir
        self.saved = 0
        if maildir:
            os.makedirs(maildir, exist_ok=True)
            self.saved = len([n for n in os.listdir(maildir) if n.endswith(".eml")])

    def reset(self):
        with self.lock:
            self.messages.clear()
            self.rules.clear()
            self.stages = {k: 0 for k in self.stages}

    def rule_for(self, stage):
        """The rule that applies at stage now (used up by one session), or None."""
        with self.lock:
            self.stages[stage] += 1
            for rule in self.rules:
                if rule["stage"] == stage and rule.get("times", 1) != 0:
                    if "times" in rule:
                        rule["times"] -= 1
                    return dict(rule)
        return None

    def record(self, message):
        with self.lock:
            self.messages.append(message)
            if self.maildir:
                self.saved += 1
                path = os.path.join(self.maildir, f"{self.saved:05d}.eml")
                with open(path, "w", encoding="utf-8", errors="replace") as f:
                    f.write(message["data"])


class Handler:
    def __init__(self, relay):
        self.relay = relay

    async def _apply(self, server, stage):
        """None to go on, or the reply that ends this stage."""
        rule = self.relay.rule_for(stage)
        if not rule:
            return None
        if rule["action"] == "stall":
            await asyncio.sleep(float(rule.get("seconds", 60)))
            return None
        if rule["action"] == "drop":
            server.transport.abort()
            return "421 gone"
        code = int(rule.get("code", 451))
        return f"{code} {'4.3.0 try again later' if code < 500 else '5.7.1 refused'}"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        refusal = await self._apply(server, "mail")
        if refusal:
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = await self._apply(server, "rcpt")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        refusal = await self._apply(server, "data")
        if refusal:
            return refusal
        data = envelope.original_content or envelope.content
        if isinstance(data, bytes):
            data = data.decode("utf-8", errors="replace")
        self.relay.record({
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": data,
            "auth_user": (session.auth_data.login.decode()
                          if hasattr(session.auth_data, "login") else None),
            "tls": session.ssl is not None,
        })
        return "250 2.0.0 accepted"


def control_server(relay, port):
    class Control(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _reply(self, status, value):
            body = json.dumps(value).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/_fake/messages":
                with relay.lock:
                    return self._reply(200, list(relay.messages))
            if self.path == "/_fake/sessions":
                with relay.lock:
                    return self._reply(200, dict(relay.stages))
            self._reply(404, {"error": "not found"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path == "/_fake/reset":
                relay.reset()
                return self._reply(200, {"ok": True})
            if self.path == "/_fake/rule":
                try:
                    rule = json.loads(body)
                    assert rule["stage"] in ("mail", "rcpt", "data")
                    assert rule["action"] in ("refuse", "stall", "drop")
                except (ValueError, KeyError, AssertionError, TypeError):
                    return self._reply(400, {"error": "a rule needs stage and action"})
                with relay.lock:
                    relay.rules.append(rule)
                return self._reply(200, {"ok": True})
            self._reply(404, {"error": "not found"})

    server = ThreadingHTTPServer(("127.0.0.1", port), Control)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--control-port", type=int, required=True)
    p.add_argument("--tls-dir", required=True)
    p.add_argument("--user", default="switchboard")
    p.add_argument("--password", required=True)
    p.add_argument("--maildir")
    args = p.parse_args()

    cert, key, _ = make_test_ca(args.tls_dir)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    relay = Relay(args.maildir)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login == args.user.encode() and
              auth_data.password == args.password.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    controller = Controller(Handler(relay), hostname="127.0.0.1", port=args.port,
                            server_hostname="127.0.0.1", tls_context=context,
                            require_starttls=True, authenticator=authenticate,
                            auth_required=True, auth_require_tls=True)
    controller.start()
    control_server(relay, args.control_port)
    print(f"smtp fake on 127.0.0.1:{args.port}, control on 127.0.0.1:{args.control_port}",
          flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
