{{%AUTOESCAPE context="HTML"}}
{{! unsubscribe.tpl: the one-click unsubscribe of a business's email: the button, then what it did. }}
{{#ASK}}
<h1>Unsubscribe</h1>
<p>Stop the summaries and information emails this business sends to your address. Alerts its owner set up for themselves are not affected.</p>
<form method="post" action="/u/{{TOKEN}}">
	<input type="hidden" name="List-Unsubscribe" value="One-Click">
	<div class="form-actions"><button class="btn btn-primary" type="submit">Unsubscribe</button></div>
</form>
{{/ASK}}
{{#DONE}}
<h1>You are unsubscribed</h1>
<p>{{ADDRESS}} will get no more of these emails from this business.</p>
{{/DONE}}
