{{%AUTOESCAPE context="HTML"}}
{{! practice.tpl: practice calls: simulated callers try the receptionist; the latest run's results. static/practice.js reloads while a run is under way. }}
<div class="page-header"><h1>Practice calls</h1><p>About twenty simulated callers, made from your services, hours and knowledge base, call your receptionist. Nothing they do is kept: no calls, leads or appointments.</p></div>
{{>SETTINGS_NAV}}
<div class="card" id="practice" data-poll="{{POLL}}">
	<div class="card-header"><h2>Run</h2></div>
	<form method="post" action="/settings/practice">
		<input type="hidden" name="csrf" value="{{CSRF}}">
		<button class="btn btn-primary" type="submit">Run practice calls</button>
	</form>
	{{#NO_RUN}}<p class="muted">No practice calls yet.</p>{{/NO_RUN}}
	{{#RUN}}
	<p class="muted">Run started {{STARTED}}.</p>
	{{#PENDING}}<p role="status" id="practice-status">The callers are on the line… <a href="/settings/practice">Refresh</a></p>{{/PENDING}}
	{{#FAILED}}<p class="flash flash-error" role="alert">The run failed: {{ERROR}}</p>{{/FAILED}}
	{{#DONE}}
	<p role="status" id="practice-status"><strong>{{PASSED}} of {{CALLERS}}</strong> callers got what they called for ({{WALL_MS}} ms).</p>
	<ul class="practice-calls">
		{{#CALL}}
		<li class="practice-call">
			<details {{#OPEN}}open{{/OPEN}}>
				<summary><span class="badge {{BADGE}}">{{RESULT}}</span> {{GOAL}} <span class="muted">{{VERDICT}}</span></summary>
				<div class="transcript">
					{{#TURN}}
					<div class="turn turn-{{SPEAKER}}">
						<span class="turn-who">{{WHO}}</span>
						<span class="turn-text">{{TEXT}}</span>
					</div>
					{{/TURN}}
				</div>
			</details>
		</li>
		{{/CALL}}
	</ul>
	{{/DONE}}
	{{/RUN}}
</div>
<script src="/static/practice.js" defer></script>
