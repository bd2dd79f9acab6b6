{{%AUTOESCAPE context="HTML"}}
{{! messages.tpl: texts customers sent to the business's numbers, newest first, each with the sender's lead when there is one. }}
<div class="page-header">
	<h1>Messages</h1>
	<p>Texts customers sent to your numbers. Replies to STOP, START and HELP are sent for you and not listed.</p>
</div>
{{#EMPTY}}<div class="card empty"><h3>No texts yet</h3><p>Texts customers send to your numbers show up here.</p></div>{{/EMPTY}}
{{#PAST_THE_END}}<div class="card empty"><p>No more messages. <a href="/messages">Back to the first page</a></p></div>{{/PAST_THE_END}}
{{#TABLE}}
<div class="card">
<div class="table-wrap">
<table class="data" id="messages">
	<thead><tr><th>Received</th><th>From</th><th>Message</th></tr></thead>
	<tbody>
	{{#MESSAGE}}
		<tr>
			<td class="nowrap">{{RECEIVED}}</td>
			<td class="nowrap"><span class="mono">{{FROM}}</span>{{#LEAD}}<span class="sub"><a href="/leads/{{LEAD_ID}}">{{LEAD_NAME}}</a></span>{{/LEAD}}</td>
			<td class="break">{{#KIND}}<span class="badge badge-pending">{{KIND_LABEL}}</span> {{/KIND}}{{BODY}}{{#MEDIA}}<span class="sub">{{NUM_MEDIA}} picture(s), not shown</span>{{/MEDIA}}</td>
		</tr>
	{{/MESSAGE}}
	</tbody>
</table>
</div>
</div>
{{/TABLE}}
{{#PAGES}}
<nav class="pagination" aria-label="Messages pages">
	{{#PREV}}<a href="{{HREF}}" rel="prev">Previous</a>{{/PREV}}{{#NO_PREV}}<span class="disabled">Previous</span>{{/NO_PREV}}
	<span class="page-info">Page {{PAGE}}</span>
	{{#NEXT}}<a href="{{HREF}}" rel="next">Next</a>{{/NEXT}}{{#NO_NEXT}}<span class="disabled">Next</span>{{/NO_NEXT}}
</nav>
{{/PAGES}}
