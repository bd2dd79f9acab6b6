{{%AUTOESCAPE context="HTML"}}
{{! services.tpl: the services the business offers, with price, length, keywords and state; owners and admins change them. }}
<div class="page-header">
	<h1>Services</h1>
	<p>What the receptionist offers callers, and what each costs and takes.</p>
	{{#CAN_EDIT}}<div class="actions"><a class="btn btn-primary" href="/services/new">New service</a></div>{{/CAN_EDIT}}
</div>
{{#NONE}}
<div class="empty">
	<h2>No services yet</h2>
	<p>Add what you offer so the receptionist can quote prices and book the right length of time.</p>
	{{#CAN_EDIT}}<a class="btn btn-primary" href="/services/new">Add a service</a>{{/CAN_EDIT}}
</div>
{{/NONE}}
{{#LIST}}
<div class="card">
<div class="table-wrap">
<table class="data">
	<thead>
		<tr><th>Name</th><th class="num">Price</th><th class="num">Duration</th><th>Keywords</th><th>Status</th>{{#CAN_EDIT}}<th><span class="visually-hidden">Actions</span></th>{{/CAN_EDIT}}</tr>
	</thead>
	<tbody>
	{{#SERVICE}}
		<tr>
			<td>{{NAME}}</td>
			<td class="num nowrap">{{PRICE}}</td>
			<td class="num nowrap">{{MINUTES}} min</td>
			<td class="break">{{KEYWORDS}}</td>
			<td>{{#ACTIVE}}<span class="badge badge-active">Active</span>{{/ACTIVE}}{{#INACTIVE}}<span class="badge badge-inactive">Inactive</span>{{/INACTIVE}}</td>
			{{#CAN_DEACTIVATE}}<td class="actions nowrap">
				<a class="btn btn-small" href="/services/{{ID}}/edit">Edit</a>
				<form class="inline" method="post" action="/services/{{ID}}/deactivate" data-confirm="Stop offering this service?">
					<input type="hidden" name="csrf" value="{{CSRF}}">
					<button class="btn btn-small" type="submit">Deactivate</button>
				</form>
			</td>{{/CAN_DEACTIVATE}}
			{{#CAN_ACTIVATE}}<td class="actions nowrap">
				<a class="btn btn-small" href="/services/{{ID}}/edit">Edit</a>
				<form class="inline" method="post" action="/services/{{ID}}/activate">
					<input type="hidden" name="csrf" value="{{CSRF}}">
					<button class="btn btn-small" type="submit">Activate</button>
				</form>
			</td>{{/CAN_ACTIVATE}}
		</tr>
	{{/SERVICE}}
	</tbody>
</table>
</div>
</div>
{{/LIST}}
