{{%AUTOESCAPE context="HTML"}}
{{! service_form.tpl: create or edit one service: name, price, duration, the buffer after it, who can do it and the keywords callers use. }}
<div class="page-header">
	<h1>{{HEADING}}</h1>
	<div class="actions"><a class="btn" href="/services">Back to services</a></div>
</div>
<form class="card form-narrow" method="post" action="{{ACTION}}" novalidate>
	<input type="hidden" name="csrf" value="{{CSRF}}">
	<div class="field {{NAME_CLASS}}">
		<label for="name">Name</label>
		<input id="name" name="name" type="text" maxlength="80" value="{{NAME_VALUE}}" required{{#NAME_ERROR}} aria-invalid="true"{{/NAME_ERROR}}>
		{{#NAME_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/NAME_ERROR}}
	</div>
	<div class="field-row">
		<div class="field {{PRICE_CLASS}}">
			<label for="price">Price ($)</label>
			<input id="price" name="price" type="text" inputmode="decimal" placeholder="149.50" value="{{PRICE_VALUE}}" required{{#PRICE_ERROR}} aria-invalid="true"{{/PRICE_ERROR}}>
			{{#PRICE_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/PRICE_ERROR}}
		</div>
		<div class="field {{DURATION_CLASS}}">
			<label for="duration">Duration (minutes)</label>
			<input id="duration" name="duration" type="text" inputmode="numeric" value="{{DURATION_VALUE}}" required{{#DURATION_ERROR}} aria-invalid="true"{{/DURATION_ERROR}}>
			{{#DURATION_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/DURATION_ERROR}}
		</div>
	</div>
	<div class="field {{BUFFER_CLASS}}">
		<label for="buffer">Buffer after (minutes)</label>
		<input id="buffer" name="buffer" type="text" inputmode="numeric" placeholder="0" value="{{BUFFER_VALUE}}"{{#BUFFER_ERROR}} aria-invalid="true"{{/BUFFER_ERROR}}>
		<p class="help">Time kept free after each appointment (clean-up, travel). Nothing else is booked in it.</p>
		{{#BUFFER_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/BUFFER_ERROR}}
	</div>
	<fieldset class="field {{RESOURCES_CLASS}}">
		<legend>Who can do it</legend>
		<input type="hidden" name="resources_shown" value="1">
		{{#RESOURCE}}
		<div class="field-check"><input id="resource-{{RESOURCE_ID}}" name="resource" type="checkbox" value="{{RESOURCE_ID}}"{{#CHECKED}} checked{{/CHECKED}}><label for="resource-{{RESOURCE_ID}}">{{RESOURCE_NAME}}</label></div>
		{{/RESOURCE}}
		<p class="help">Bookings of this service take one of these. <a href="/settings/resources">Resources</a></p>
		{{#RESOURCES_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/RESOURCES_ERROR}}
	</fieldset>
	<div class="field {{KEYWORDS_CLASS}}">
		<label for="keywords">Keywords</label>
		<input id="keywords" name="keywords" type="text" placeholder="leak, pipe, faucet" value="{{KEYWORDS_VALUE}}"{{#KEYWORDS_ERROR}} aria-invalid="true"{{/KEYWORDS_ERROR}}>
		<p class="help">Words callers use for this service, separated by commas (up to 20).</p>
		{{#KEYWORDS_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/KEYWORDS_ERROR}}
	</div>
	<div class="form-actions">
		<button class="btn btn-primary" type="submit">{{SUBMIT}}</button>
		<a class="btn" href="/services">Cancel</a>
	</div>
</form>
