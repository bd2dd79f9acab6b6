"""twilio_signature: X-Twilio-Signature computed as Twilio computes it (PROTOCOLS.md §2).

twilio_sign(auth_token, url, params) -> the header value for a form POST to url. params is a
dict or a list of (name, value) pairs (a name may repeat): names sorted, a repeated name's
values sorted and deduplicated, each name immediately followed by its value, appended to the
URL; HMAC-SHA1 keyed with the auth token; standard base64.
"""
import base64
import hashlib
import hmac


def twilio_sign(auth_token, url, params=None):
    pairs = list(params.items()) if isinstance(params, dict) else list(params or [])
    text = url
    for name in sorted({n for n, _ in pairs}):
        for value in sorted({v for n, v in pairs if n == name}):
            text += name + value
    mac = hmac.new(auth_token.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


if __name__ == "__main__":
    # The vector of PROTOCOLS.md §2.4.
    assert twilio_sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", {
        "CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
        "From": "+14158675309", "To": "+18005551212"}) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    print("ok")
