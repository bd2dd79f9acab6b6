{{%AUTOESCAPE context="HTML"}}
{{! error.tpl: body of an error page (status code, public message, link home); rendered inside layout.tpl or auth_layout.tpl. }}
<section class="error-page">
	<p class="error-status">Error {{STATUS}}</p>
	<h1 class="error-message">{{MESSAGE}}</h1>
	<p class="error-help">If this keeps happening, try again in a minute or go back to the start.</p>
	<p><a class="btn btn-primary" href="/">Back to home</a></p>
</section>
