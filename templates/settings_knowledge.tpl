{{%AUTOESCAPE context="HTML"}}
{{! settings_knowledge.tpl: the facts the receptionist answers questions from: list, add, and links to edit. }}
<div class="page-header"><h1>Knowledge base</h1><p>Questions callers ask and the answers the receptionist gives.</p></div>
{{>SETTINGS_NAV}}
{{#READ_ONLY}}<p class="flash flash-info">Only owners and admins can change settings.</p>{{/READ_ONLY}}
<div class="card">
	<div class="card-header"><h2>Entries</h2></div>
	{{#NO_ENTRIES}}<div class="empty"><h3>No entries yet</h3><p>Add what callers ask most: parking, payment, areas you serve.</p></div>{{/NO_ENTRIES}}
	{{#HAS_ENTRIES}}<div class="table-wrap">
		<table class="data">
			<thead><tr><th>Question</th><th>Answer</th><th class="actions"><span class="visually-hidden">Actions</span></th></tr></thead>
			<tbody>
			{{#ENTRY}}
				<tr>
					<td class="break">{{QUESTION}}</td>
					<td class="break">{{ANSWER}}{{#ANSWER_CUT}}…{{/ANSWER_CUT}}</td>
					<td class="actions nowrap">
						<a class="btn btn-small" href="/settings/knowledge/{{ID}}">Edit</a>
						<form class="inline" method="post" action="/settings/knowledge/{{ID}}/delete" data-confirm="Delete this entry?">
							<input type="hidden" name="csrf" value="{{CSRF}}">
							<button class="btn btn-small btn-danger" type="submit">Delete</button>
						</form>
					</td>
				</tr>
			{{/ENTRY}}
			</tbody>
		</table>
	</div>{{/HAS_ENTRIES}}
</div>
<div class="card">
	<div class="card-header"><h2>Add an entry</h2></div>
	<form class="form-narrow" method="post" action="/settings/knowledge" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field {{QUESTION_CLASS}}">
			<label for="question">Question</label>
			<input id="question" name="question" type="text" value="{{QUESTION_VALUE}}" maxlength="300" placeholder="Do you offer weekend appointments?" required>
			{{#QUESTION_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/QUESTION_ERROR}}
		</div>
		<div class="field {{ANSWER_CLASS}}">
			<label for="answer">Answer</label>
			<textarea id="answer" name="answer" rows="4" maxlength="2000" required>{{ANSWER_VALUE}}</textarea>
			<p class="help">Up to 2,000 characters, written the way it should be said.</p>
			{{#ANSWER_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/ANSWER_ERROR}}
		</div>
		<div class="form-actions"><button class="btn btn-primary" type="submit">Add entry</button></div>
	</form>
</div>
