-- vapi_bench.lua: a wrk script that plays Vapi's server messages against /hooks/vapi, each one a
-- first delivery (a call id and a timestamp of its own), authenticated with the 'secret' method.
--   VAPI_KIND    assistant: assistant-request of a new call; tools: tool-calls of a few calls
--                in progress, turn by turn check_availability, lookup_service and
--                answer_from_knowledge
--   VAPI_SECRET  the organization's server secret; VAPI_NUMBER its number
--   VAPI_PAUSE_MS  a pause before each request of a connection (a steady load), default none
-- Like Vapi's own, every message carries the call and the assistant it runs (a few KB).
local kind = os.getenv("VAPI_KIND") or "assistant"
local secret = os.getenv("VAPI_SECRET") or ""
local number = os.getenv("VAPI_NUMBER") or ""
local pause = tonumber(os.getenv("VAPI_PAUSE_MS") or "0")
local threads = 0

function setup(thread)
	thread:set("tag", threads)
	threads = threads + 1
end

local run, counter, base_ms, assistant
local tools = {
	{ "check_availability", '{"start":"tomorrow at 2 pm","service":"Drain cleaning"}' },
	{ "lookup_service", '{"query":"my kitchen drain is clogged"}' },
	{ "answer_from_knowledge", '{"question":"Do you offer a warranty on repairs?"}' },
}

function init(args)
	run = tostring(os.time())
	counter = 0
	base_ms = os.time() * 1000
	-- The assistant Vapi runs the call with, echoed in every message as Vapi does.
	assistant = '{"name":"Acme Plumbing","firstMessage":"Thanks for calling.","model":{"provider":"openai",'
		.. '"model":"gpt-4o-mini","messages":[{"role":"system","content":"'
		.. string.rep("You are the phone receptionist of Acme Plumbing. ", 60) .. '"}]},'
		.. '"voice":{"provider":"11labs","voiceId":"burt"}}'
end

local function call_json(id)
	return '{"id":"' .. id .. '","orgId":"bench-org","type":"inboundPhoneCall","status":"in-progress",'
		.. '"phoneNumberId":"bench-phone-number","customer":{"number":"+15550001234"},'
		.. '"phoneCallProvider":"twilio","phoneCallTransport":"pstn"}'
end

function request()
	counter = counter + 1
	local ts = base_ms + counter * 16 + tag
	local body
	if kind == "tools" then
		-- Twenty calls per thread, each asking one tool after another.
		local id = "bench-" .. run .. "-" .. tag .. "-" .. (counter % 20)
		local tool = tools[counter % #tools + 1]
		local call_id = "call_" .. run .. "x" .. tag .. "x" .. counter
		body = '{"message":{"type":"tool-calls","timestamp":' .. ts .. ',"call":' .. call_json(id)
			.. ',"customer":{"number":"+15550001234"},"phoneNumber":{"id":"bench-phone-number",'
			.. '"number":"' .. number .. '"},"assistant":' .. assistant .. ',"toolCallList":[{"id":"'
			.. call_id .. '","type":"function","function":{"name":"' .. tool[1] .. '","arguments":'
			.. tool[2] .. '}}],"toolWithToolCallList":[{"type":"function","function":{"name":"'
			.. tool[1] .. '"},"toolCall":{"id":"' .. call_id .. '","type":"function","function":{"name":"'
			.. tool[1] .. '","arguments":' .. tool[2] .. '}}}]}}'
	else
		local id = "bench-" .. run .. "-" .. tag .. "-" .. counter
		body = '{"message":{"type":"assistant-request","timestamp":' .. ts .. ',"call":' .. call_json(id)
			.. ',"customer":{"number":"+15550001234"},"phoneNumber":{"id":"bench-phone-number",'
			.. '"number":"' .. number .. '"}}}'
	end
	return wrk.format("POST", nil, { ["Content-Type"] = "application/json",
		["X-Vapi-Secret"] = secret }, body)
end

if pause > 0 then
	function delay()
		return pause
	end
end

-- A refused or failed request would measure the wrong path: count them.
local failures = 0
function response(status, headers, body)
	if status ~= 200 or (kind == "tools" and not body:find('"result"')) then
		failures = failures + 1
		if failures <= 3 then
			io.stderr:write("vapi bench: status " .. status .. ": " .. body:sub(1, 200) .. "\n")
		end
	end
end
