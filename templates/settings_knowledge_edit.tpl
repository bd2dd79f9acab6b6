{{%AUTOESCAPE context="HTML"}}
{{! settings_knowledge_edit.tpl: edit or delete one knowledge base entry. }}
<div class="page-header"><h1>Edit knowledge entry</h1><p><a href="/settings/knowledge">Back to the knowledge base</a></p></div>
{{>SETTINGS_NAV}}
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can change settings.</p>{{/READ_ONLY}}
<div class="card">
	<form class="form-narrow" method="post" action="/settings/knowledge/{{ID}}" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field {{QUESTION_CLASS}}">
			<label for="question">Question</label>
			<input id="question" name="question" type="text" value="{{QUESTION_VALUE}}" maxlength="300" required>
			{{#QUESTION_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/QUESTION_ERROR}}
		</div>
		<div class="field {{ANSWER_CLASS}}">
			<label for="answer">Answer</label>
			<textarea id="answer" name="answer" rows="6" maxlength="2000" required>{{ANSWER_VALUE}}</textarea>
			{{#ANSWER_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/ANSWER_ERROR}}
		</div>
		<div class="form-actions">
			<button class="btn btn-primary" type="submit">Save entry</button>
			<a class="btn" href="/settings/knowledge">Cancel</a>
		</div>
	</form>
	<form class="inline" method="post" action="/settings/knowledge/{{ID}}/delete" data-confirm="Delete this entry?">
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<button class="btn btn-danger" type="submit">Delete entry</button>
	</form>
</div>
