{{%AUTOESCAPE context="HTML"}}
{{! call.tpl: one call: what was said turn by turn, what the analysis found, the recording and the lead. }}
<div class="page-header">
	<h1>{{DIRECTION}} call · {{PARTY}}</h1>
	<p data-live-region="call-status" data-live-on="call" data-live-id="{{ID}}">{{STARTED}} · <span class="badge {{STATUS_BADGE}}">{{STATUS_LABEL}}</span></p>
	<div class="actions">{{#CALL_BACK}}<form method="post" action="/calls/{{CALL_ID}}/callback"><input type="hidden" name="csrf" value="{{CSRF}}"><button class="btn btn-primary" type="submit">Call back {{NUMBER}}</button></form>{{/CALL_BACK}}<a class="btn" href="/calls">All calls</a></div>
	{{#CALL_BACK}}{{#CALLBACK_PROBLEM}}<p class="field-error" id="callback-problem">{{PROBLEM}} <a href="{{FIX_URL}}">{{FIX_LABEL}}</a></p>{{/CALLBACK_PROBLEM}}{{/CALL_BACK}}
</div>
<div class="grid-2" data-live-region="call-details" data-live-on="call" data-live-id="{{ID}}">
	<div class="card">
		<div class="card-header"><h2>Summary</h2></div>
		{{#SUMMARY}}<p class="break">{{TEXT}}</p>{{/SUMMARY}}
		{{#NO_SUMMARY}}<p class="muted">No summary yet: it is written once the call has been analysed.</p>{{/NO_SUMMARY}}
		<dl class="details">
			<dt>Sentiment</dt><dd>{{SENTIMENT}}{{#SENTIMENT_SCORE}} <span class="muted small">({{SCORE}})</span>{{/SENTIMENT_SCORE}}</dd>
			<dt>Urgency</dt><dd>{{URGENCY}}</dd>
			<dt>Value</dt><dd>{{VALUE}}</dd>
			<dt>Booked</dt><dd>{{BOOKED}}</dd>
			<dt>Call type</dt><dd>{{CALL_TYPE}}</dd>
			<dt>Customer</dt><dd>{{CUSTOMER_TYPE}}</dd>
			<dt>Purpose</dt><dd>{{CALL_PURPOSE}}</dd>
		</dl>
	</div>
	<div class="card">
		<div class="card-header"><h2>Call</h2></div>
		<dl class="details">
			<dt>From</dt><dd class="mono">{{FROM}}</dd>
			<dt>To</dt><dd class="mono">{{TO}}</dd>
			<dt>Started</dt><dd>{{STARTED}}</dd>
			<dt>Answered</dt><dd>{{ANSWERED}}</dd>
			<dt>Ended</dt><dd>{{ENDED}}</dd>
			<dt>Duration</dt><dd>{{DURATION}}</dd>
			<dt>Ended because</dt><dd>{{ENDED_REASON}}</dd>
			<dt>Provider</dt><dd>{{PROVIDER}}</dd>
			<dt>Transfer</dt><dd>{{#TRANSFER}}Transferred to <span class="mono">{{TRANSFER_TO}}</span><span class="sub">{{TRANSFERRED}}</span>{{/TRANSFER}}{{#NO_TRANSFER}}Not transferred{{/NO_TRANSFER}}</dd>
			<dt>Lead</dt><dd>{{#LEAD}}<a href="/leads/{{LEAD_ID}}">{{LEAD_NAME}}</a> <span class="badge {{LEAD_STATUS_BADGE}}">{{LEAD_STATUS_LABEL}}</span>{{/LEAD}}{{#NO_LEAD}}None yet{{/NO_LEAD}}</dd>
		</dl>
	</div>
</div>
{{#LEAD}}<div class="card section">
	<div class="card-header"><h2>Send info</h2></div>
	<form class="form-inline" method="post" action="/calls/{{ID}}/info" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<label for="info_email">Email our information to {{LEAD_NAME}}</label>
		<input id="info_email" name="email" type="email" placeholder="caller@example.com">
		<button class="btn" type="submit">Send info</button>
	</form>
</div>{{/LEAD}}
<div class="card section">
	<div class="card-header"><h2>Recording</h2><span class="badge {{RECORDING_BADGE}}">{{RECORDING_LABEL}}</span></div>
	{{#PLAYER}}<audio controls preload="none" src="/calls/{{ID}}/recording">Your browser cannot play this recording. <a href="/calls/{{ID}}/recording?download=1">Download it</a>.</audio>
	<div class="actions"><a class="btn" href="/calls/{{ID}}/recording?download=1" download>Download</a></div>{{/PLAYER}}
</div>
<div class="card section" data-live-region="call-transcript" data-live-on="call turn" data-live-id="{{ID}}">
	<div class="card-header"><h2>Transcript</h2>{{#REPLY_TIMES}}<span class="muted small">Reply time: median {{MEDIAN}} ms · slowest {{SLOWEST}} ms ({{REPLIES}})</span>{{/REPLY_TIMES}}</div>
	{{#NO_TURNS}}<p class="muted">Nothing was said on this call.</p>{{/NO_TURNS}}
	<div class="transcript">
		{{#TURN}}
		<div class="turn turn-{{SPEAKER}}">
			<span class="turn-who">{{WHO}}<span class="turn-time">{{TIME}}</span></span>
			<span class="turn-text">{{TEXT}}</span>
			{{#LATENCY}}<span class="turn-who turn-latency" title="From the end of the caller's speech to the first words of the reply: recognition, the brain's first words, the first synthesized audio">{{LATENCY_TEXT}}</span>{{/LATENCY}}
			{{#PLAYED}}<span class="turn-who">Cut off: the caller heard only “{{PLAYED_TEXT}}”</span>{{/PLAYED}}
			{{#NOT_PLAYED}}<span class="turn-who">Interrupted before it was spoken</span>{{/NOT_PLAYED}}
		</div>
		{{/TURN}}
	</div>
</div>
