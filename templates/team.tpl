{{%AUTOESCAPE context="HTML"}}
{{! team.tpl: the business's users and pending invitations; owners and admins invite, change roles and remove. }}
<div class="page-header">
	<h1>Team</h1>
	<p>Everyone who can sign in to {{ORG_NAME}}.</p>
</div>
{{#INVITE_LINK}}
<div class="card section">
	<div class="card-header"><h2>Invitation ready</h2></div>
	<p>Send this link to <strong>{{INVITE_EMAIL}}</strong>. It works once and expires in {{DAYS}} days. It is shown only now: copy it before you leave this page.</p>
	<div class="field">
		<label for="invite-link">Invitation link</label>
		<input id="invite-link" class="mono" type="text" value="{{LINK}}" readonly>
	</div>
</div>
{{/INVITE_LINK}}
<div class="card section">
	<div class="card-header"><h2>Two-factor sign-in</h2></div>
	{{#TWO_FACTOR_REQUIRED}}<p>Required: everyone on the team signs in with a code from an authenticator app. Someone without it is asked to turn it on when they next sign in.</p>{{/TWO_FACTOR_REQUIRED}}
	{{#TWO_FACTOR_OPTIONAL}}<p>Optional: each person can turn it on under Account.</p>{{/TWO_FACTOR_OPTIONAL}}
	{{#OWNER_REQUIRE}}<form method="post" action="/team/two-factor"><input type="hidden" name="csrf" value="{{CSRF}}"><input type="hidden" name="require" value="yes"><button class="btn" type="submit">Require two-factor sign-in for everyone</button></form>{{/OWNER_REQUIRE}}
	{{#OWNER_UNREQUIRE}}<form method="post" action="/team/two-factor"><input type="hidden" name="csrf" value="{{CSRF}}"><input type="hidden" name="require" value="no"><button class="btn" type="submit">Make it optional again</button></form>{{/OWNER_UNREQUIRE}}
</div>
{{#READ_ONLY}}<p class="muted">Only the owner or an admin can invite people or change the team.</p>{{/READ_ONLY}}
<div class="card section">
	<div class="card-header"><h2>Members</h2></div>
	<div class="table-wrap">
		<table class="data">
			<thead><tr><th>Person</th><th>Role</th><th>Joined</th><th>Last sign-in</th><th>Two-factor</th>{{#CAN_MANAGE}}<th class="actions"><span class="visually-hidden">Actions</span></th>{{/CAN_MANAGE}}</tr></thead>
			<tbody>
			{{#USER}}
			<tr>
				<td class="break">{{EMAIL}}{{#YOU}} <span class="muted">(you)</span>{{/YOU}}{{#HAS_NAME}}<span class="sub">{{NAME}}</span>{{/HAS_NAME}}</td>
				<td><span class="badge {{ROLE_BADGE}}">{{ROLE}}</span></td>
				<td class="nowrap">{{JOINED}}</td>
				<td class="nowrap">{{LAST_LOGIN}}</td>
				<td>{{TWO_FACTOR}}</td>
				{{#CAN_MANAGE}}<td class="actions">
					{{#EDIT}}
					<form class="inline" method="post" action="/team/users/{{ID}}/role">
						<input type="hidden" name="csrf" value="{{CSRF}}">
						<label class="visually-hidden" for="role-{{ID}}">Role of {{EMAIL}}</label>
						<select id="role-{{ID}}" name="role">
							{{#OWNER_OPTION}}<option value="owner"{{#OWNER_SELECTED}} selected{{/OWNER_SELECTED}}>owner</option>{{/OWNER_OPTION}}
							<option value="admin"{{#ADMIN_SELECTED}} selected{{/ADMIN_SELECTED}}>admin</option>
							<option value="member"{{#MEMBER_SELECTED}} selected{{/MEMBER_SELECTED}}>member</option>
						</select>
						<button class="btn btn-small" type="submit">Change role</button>
					</form>
					{{#REMOVE}}
					<form class="inline" method="post" action="/team/users/{{ID}}/remove" data-confirm="Remove {{EMAIL}} from the team?">
						<input type="hidden" name="csrf" value="{{CSRF}}">
						<button class="btn btn-small btn-danger" type="submit">Remove</button>
					</form>
					{{/REMOVE}}
					{{/EDIT}}
				</td>{{/CAN_MANAGE}}
			</tr>
			{{/USER}}
			</tbody>
		</table>
	</div>
</div>
<div class="card section">
	<div class="card-header"><h2>Pending invitations</h2></div>
	{{#NO_INVITES}}<div class="empty"><p>No invitations are waiting to be accepted.</p></div>{{/NO_INVITES}}
	{{#HAS_INVITES}}
	<div class="table-wrap">
		<table class="data">
			<thead><tr><th>Email</th><th>Role</th><th>Expires</th><th>Status</th>{{#CAN_MANAGE}}<th class="actions"><span class="visually-hidden">Actions</span></th>{{/CAN_MANAGE}}</tr></thead>
			<tbody>
			{{#INVITE}}
			<tr>
				<td class="break">{{EMAIL}}</td>
				<td>{{ROLE}}</td>
				<td class="nowrap">{{EXPIRES}}</td>
				<td><span class="badge {{STATE_BADGE}}">{{STATE}}</span></td>
				{{#CAN_MANAGE}}<td class="actions">
					<form class="inline" method="post" action="/team/invites/{{ID}}/revoke" data-confirm="Revoke the invitation for {{EMAIL}}?">
						<input type="hidden" name="csrf" value="{{CSRF}}">
						<button class="btn btn-small btn-danger" type="submit">Revoke</button>
					</form>
				</td>{{/CAN_MANAGE}}
			</tr>
			{{/INVITE}}
			</tbody>
		</table>
	</div>
	{{/HAS_INVITES}}
</div>
{{#CAN_MANAGE}}
<div class="card section">
	<div class="card-header"><h2>Invite a teammate</h2></div>
	<form class="form-narrow" method="post" action="/team/invite" novalidate>
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<div class="field {{EMAIL_CLASS}}">
			<label for="email">Email</label>
			<input id="email" name="email" type="email" autocomplete="off" value="{{EMAIL_VALUE}}" maxlength="254" required>
			{{#EMAIL_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/EMAIL_ERROR}}
		</div>
		<div class="field {{NAME_CLASS}}">
			<label for="name">Name <span class="muted">(optional)</span></label>
			<input id="name" name="name" type="text" autocomplete="off" value="{{NAME_VALUE}}" maxlength="120">
			{{#NAME_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/NAME_ERROR}}
		</div>
		<div class="field {{ROLE_CLASS}}">
			<label for="role">Role</label>
			<select id="role" name="role">
				<option value="member"{{#ROLE_MEMBER}} selected{{/ROLE_MEMBER}}>Member: sees everything, changes no settings or team</option>
				<option value="admin"{{#ROLE_ADMIN}} selected{{/ROLE_ADMIN}}>Admin: also changes settings, services and the team</option>
			</select>
			{{#ROLE_ERROR}}<p class="field-error">{{MESSAGE}}</p>{{/ROLE_ERROR}}
		</div>
		<div class="form-actions">
			<button class="btn btn-primary" type="submit">Create invitation</button>
		</div>
	</form>
</div>
{{/CAN_MANAGE}}
