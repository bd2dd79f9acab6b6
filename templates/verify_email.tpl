{{%AUTOESCAPE context="HTML"}}
{{! verify_email.tpl: confirm an email address with one button (opening the emailed link alone changes nothing), or learn why the link no longer works. }}
{{#VERIFY}}
<h1>Confirm your email</h1>
<p>Press the button to confirm that <strong>{{EMAIL}}</strong> is your email address for Switchboard.</p>
<form method="post" action="/verify-email">
	<input type="hidden" name="csrf" value="{{CSRF}}">
	<input type="hidden" name="token" value="{{TOKEN}}">
	<div class="form-actions">
		<button class="btn btn-primary" type="submit">Confirm my email</button>
	</div>
</form>
{{/VERIFY}}
{{#PROBLEM}}
<h1>{{HEADING}}</h1>
<p>{{MESSAGE}}</p>
<p><a class="btn btn-primary" href="/login">Sign in to send a new link</a></p>
{{/PROBLEM}}
