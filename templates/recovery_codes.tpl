{{%AUTOESCAPE context="HTML"}}
{{! recovery_codes.tpl: the ten single-use recovery codes, shown once. }}
<div class="page-header">
	<h1>{{HEADING}}</h1>
	<p>Keep these recovery codes somewhere safe (a password manager, or printed). Each signs you in once without your phone. They are shown only now; earlier codes no longer work.</p>
</div>
<div class="card section">
	<ul class="recovery-codes mono">
		{{#CODE}}<li>{{VALUE}}</li>
		{{/CODE}}
	</ul>
	<p><a class="btn btn-primary" href="/account">I have saved them</a></p>
</div>
