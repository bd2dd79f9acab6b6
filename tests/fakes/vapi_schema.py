"""vapi_schema: what Vapi's API refuses in a transient assistant and in a tool-calls answer
(PROTOCOLS.md §5.2, §5.3, §5.5), for the Vapi fake: the model (provider "openai" takes only the
OpenAI ids of its enum; any other OpenAI-compatible model is "custom-llm" with a url), tools in
today's schema (a transferCall has destinations and no "function"), server objects with only
today's properties and a credentialId the organization holds, and results that carry name and
toolCallId. Each check returns Vapi's 400 messages, [] when it takes what it was given."""
import re

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")

# A sample of the OpenAI ids in the enum of Vapi's "openai" model provider (§5.5).
OPENAI_MODELS = {
    "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-5-chat-latest", "gpt-4.1", "gpt-4.1-mini",
    "gpt-4.1-nano", "gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14", "gpt-4.1-nano-2025-04-14",
    "gpt-4o", "gpt-4o-mini", "gpt-4o-2024-11-20", "gpt-4o-2024-08-06", "gpt-4o-2024-05-13",
    "gpt-4o-mini-2024-07-18", "chatgpt-4o-latest", "gpt-4.5-preview", "gpt-4-turbo",
    "gpt-4-turbo-2024-04-09", "gpt-4-turbo-preview", "gpt-4-0125-preview", "gpt-4-1106-preview",
    "gpt-4", "gpt-4-0613", "gpt-3.5-turbo", "gpt-3.5-turbo-0125", "gpt-3.5-turbo-1106", "o1",
    "o1-mini", "o3", "o3-mini", "o4-mini", "gpt-4o-realtime-preview-2024-12-17",
    "gpt-4o-mini-realtime-preview-2024-12-17",
}
ENUM_PROVIDERS = {"openai", "anthropic", "anthropic-bedrock", "google", "groq", "cerebras",
                  "deep-seek", "xai", "inflection-ai", "minimax"}
FREE_PROVIDERS = {"openrouter", "together-ai", "deepinfra", "anyscale", "perplexity-ai",
                  "custom-llm", "vapi"}
SERVER_KEYS = {"url", "credentialId", "headers", "timeoutSeconds", "backoffPlan",
               "staticIpAddressesEnabled", "encryptedPaths"}
TOOL_TYPES = {"function", "transferCall", "endCall", "dtmf", "query", "apiRequest", "handoff",
              "code", "mcp", "voicemail", "sms", "output", "bash", "computer", "textEditor",
              "google.calendar.event.create", "google.calendar.availability.check",
              "google.sheets.row.append", "slack.message.send", "gohighlevel.calendar.event.create",
              "gohighlevel.calendar.availability.check", "gohighlevel.contact.create",
              "gohighlevel.contact.get"}
# Only these tool types keep a "function" key in today's schema (since 2025-07-08).
FUNCTION_TOOLS = {"function", "code", "handoff"}
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
OPENAI_ID = re.compile(r"^([a-z0-9.-]+)(?::[a-z0-9]+)?$")


def _server_problems(where, server, credentials):
    if not isinstance(server, dict):
        return ["%s must be an object" % where]
    out = ["%s.property %s should not exist" % (where, k) for k in server if k not in SERVER_KEYS]
    if not isinstance(server.get("url"), str) or not re.match(r"^https?://", server["url"]):
        out.append("%s.url must be a URL address" % where)
    cid = server.get("credentialId")
    if cid is not None and (not isinstance(cid, str) or cid not in credentials):
        out.append("%s.credentialId: Couldn't find credential %s" % (where, cid))
    return out


def _model_problems(model):
    if not isinstance(model, dict):
        return ["assistant.model must be an object"]
    provider, name = model.get("provider"), model.get("model")
    if provider not in ENUM_PROVIDERS | FREE_PROVIDERS:
        return ["assistant.model.provider must be one of the following values: " +
                ", ".join(sorted(ENUM_PROVIDERS | FREE_PROVIDERS))]
    if not isinstance(name, str) or not name:
        return ["assistant.model.model must be a string"]
    if provider == "openai":
        m = OPENAI_ID.match(name)
        if not m or m.group(1) not in OPENAI_MODELS:
            return ["assistant.model.model must be one of the following values: " +
                    ", ".join(sorted(OPENAI_MODELS))]
    if provider == "custom-llm" and (not isinstance(model.get("url"), str) or
                                     not re.match(r"^https?://", model["url"])):
        return ["assistant.model.url must be a URL address"]
    return []


def _tool_problems(where, tool, credentials):
    if not isinstance(tool, dict) or tool.get("type") not in TOOL_TYPES:
        return ["%s.type must be one of the following values: %s"
                % (where, ", ".join(sorted(TOOL_TYPES)))]
    out = []
    kind = tool["type"]
    if "function" in tool and kind not in FUNCTION_TOOLS:
        out.append("%s.property function should not exist" % where)
    if kind == "function":
        fn = tool.get("function")
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or \
                not TOOL_NAME.match(fn["name"]):
            out.append("%s.function.name must match /^[a-zA-Z0-9_-]{1,64}$/" % where)
    if kind == "transferCall":
        for j, d in enumerate(tool.get("destinations") or []):
            dw = "%s.destinations.%d" % (where, j)
            if not isinstance(d, dict) or d.get("type") not in ("number", "sip", "assistant"):
                out.append("%s.type must be one of number, sip, assistant" % dw)
            elif d["type"] == "number" and not E164.match(str(d.get("number"))):
                out.append("%s.number must be a valid phone number in the E.164 format" % dw)
            elif d["type"] == "sip" and not str(d.get("sipUri", "")).startswith("sip:"):
                out.append("%s.sipUri must be a SIP URI" % dw)
            elif isinstance(d, dict) and len(d.get("message") or "") > 1000:
                out.append("%s.message must be shorter than or equal to 1000 characters" % dw)
    if "server" in tool:
        out += _server_problems(where + ".server", tool["server"], credentials)
    return out


def validate_assistant(assistant, credentials):
    """What Vapi refuses in a transient assistant (400 messages); [] when it takes it.
    credentials: the ids of the organization's credentials."""
    if not isinstance(assistant, dict):
        return ["assistant must be an object"]
    out = []
    name = assistant.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 40):
        out.append("assistant.name must be shorter than or equal to 40 characters")
    out += _model_problems(assistant.get("model"))
    model = assistant.get("model") if isinstance(assistant.get("model"), dict) else {}
    for i, tool in enumerate(model.get("tools") or []):
        out += _tool_problems("assistant.model.tools.%d" % i, tool, credentials)
    if "server" in assistant:
        out += _server_problems("assistant.server", assistant["server"], credentials)
    if "serverUrlSecret" in assistant or "serverUrl" in assistant:
        out.append("assistant.property serverUrlSecret should not exist")
    return out


def result_problems(answer, ids):
    """What Vapi refuses in a tool-calls answer: each result needs name and toolCallId."""
    results = answer.get("results") if isinstance(answer, dict) else None
    if not isinstance(results, list):
        return ["results must be an array"]
    out = []
    for i, r in enumerate(results):
        if not isinstance(r, dict) or not isinstance(r.get("name"), str):
            out.append("results.%d.name must be a string" % i)
        if not isinstance(r, dict) or r.get("toolCallId") not in ids:
            out.append("results.%d.toolCallId must match a tool call" % i)
    return out
