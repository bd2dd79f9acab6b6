{{%AUTOESCAPE context="HTML"}}
{{! send_info.tpl: the "Send info" form again, when the address given was not one plain email address. }}
<div class="page-header"><h1>Send info to {{WHO}}</h1></div>
<div class="card">
	<form class="form-narrow" method="post" action="{{ACTION}}" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field {{EMAIL_CLASS}}">
			<label for="email">Email address</label>
			<input id="email" name="email" type="email" value="{{EMAIL_VALUE}}">
			{{#EMAIL_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/EMAIL_ERROR}}
		</div>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Send info</button> <a class="btn" href="{{BACK_URL}}">Back</a></div>
	</form>
</div>
