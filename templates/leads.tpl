{{%AUTOESCAPE context="HTML"}}
{{! leads.tpl: the leads list: filters, search, sortable columns, pages and the CSV export. }}
<div class="page-header">
	<h1>Leads</h1>
	<p>{{COUNT_TEXT}}</p>
	<div class="actions">
		<a class="btn" href="/leads.csv?status={{STATUS:u}}&amp;temperature={{TEMPERATURE:u}}&amp;q={{Q:u}}&amp;sort={{SORT:u}}&amp;dir={{DIR:u}}">Export CSV</a>
	</div>
</div>
<form class="filters" method="get" action="/leads" role="search">
	<div>
		<label for="q">Search</label>
		<input id="q" name="q" type="search" value="{{Q}}" maxlength="200" placeholder="Name, phone or summary">
	</div>
	<div>
		<label for="status">Status</label>
		<select id="status" name="status">
			<option value="">Any status</option>
			{{#STATUS_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/STATUS_OPTION}}
		</select>
	</div>
	<div>
		<label for="temperature">Temperature</label>
		<select id="temperature" name="temperature">
			<option value="">Any temperature</option>
			{{#TEMPERATURE_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/TEMPERATURE_OPTION}}
		</select>
	</div>
	<input type="hidden" name="sort" value="{{SORT}}">
	<input type="hidden" name="dir" value="{{DIR}}">
	<button class="btn btn-primary" type="submit">Filter</button>
	{{#FILTERED}}<a class="btn-link" href="/leads">Clear filters</a>{{/FILTERED}}
</form>
{{#NO_LEADS}}
<div class="card empty">
	<h2>No leads yet</h2>
	<p>Every call your receptionist answers becomes a lead here, with a summary, a score and a value.</p>
</div>
{{/NO_LEADS}}
{{#NO_MATCH}}
<div class="card empty">
	<h2>No leads match these filters</h2>
	<p>Try another search or fewer filters.</p>
	<a class="btn" href="/leads">Show every lead</a>
</div>
{{/NO_MATCH}}
{{#HAS_LEADS}}
<div class="card">
	<div class="table-wrap">
		<table class="data" id="leads">
			<thead>
				<tr>
					<th aria-sort="{{NAME_ARIA}}"><a href="/leads?status={{STATUS:u}}&amp;temperature={{TEMPERATURE:u}}&amp;q={{Q:u}}&amp;sort=name&amp;dir={{NAME_DIR:u}}">Name{{NAME_ARROW}}</a></th>
					<th>Status</th>
					<th>Temperature</th>
					<th class="num" aria-sort="{{SCORE_ARIA}}"><a href="/leads?status={{STATUS:u}}&amp;temperature={{TEMPERATURE:u}}&amp;q={{Q:u}}&amp;sort=score&amp;dir={{SCORE_DIR:u}}">Score{{SCORE_ARROW}}</a></th>
					<th class="num" aria-sort="{{VALUE_ARIA}}"><a href="/leads?status={{STATUS:u}}&amp;temperature={{TEMPERATURE:u}}&amp;q={{Q:u}}&amp;sort=value&amp;dir={{VALUE_DIR:u}}">Value{{VALUE_ARROW}}</a></th>
					<th aria-sort="{{UPDATED_ARIA}}"><a href="/leads?status={{STATUS:u}}&amp;temperature={{TEMPERATURE:u}}&amp;q={{Q:u}}&amp;sort=updated&amp;dir={{UPDATED_DIR:u}}">Updated{{UPDATED_ARROW}}</a></th>
				</tr>
			</thead>
			<tbody>
				{{#LEAD}}
				<tr data-lead="{{ID}}">
					<td><a href="/leads/{{ID}}">{{NAME}}</a><span class="sub">{{PHONE}}</span><span class="sub break">{{SUMMARY}}</span></td>
					<td><span class="badge {{STATUS_BADGE}}">{{STATUS_LABEL}}</span></td>
					<td>{{#TEMPERATURE}}<span class="badge {{TEMPERATURE_BADGE}}">{{TEMPERATURE_LABEL}}</span>{{/TEMPERATURE}}</td>
					<td class="num">{{SCORE}}</td>
					<td class="num">{{VALUE}}</td>
					<td class="nowrap">{{UPDATED}}</td>
				</tr>
				{{/LEAD}}
			</tbody>
		</table>
	</div>
</div>
{{/HAS_LEADS}}
<nav class="pagination" aria-label="Pages">
	{{#PREV}}<a rel="prev" href="/leads?status={{STATUS:u}}&amp;temperature={{TEMPERATURE:u}}&amp;q={{Q:u}}&amp;sort={{SORT:u}}&amp;dir={{DIR:u}}&amp;page={{PREV_PAGE:u}}">Previous</a>{{/PREV}}
	{{#NO_PREV}}<span class="disabled">Previous</span>{{/NO_PREV}}
	{{#HAS_LEADS}}<span class="page-info">Leads {{PAGE_INFO}}</span>{{/HAS_LEADS}}
	{{#NEXT}}<a rel="next" href="/leads?status={{STATUS:u}}&amp;temperature={{TEMPERATURE:u}}&amp;q={{Q:u}}&amp;sort={{SORT:u}}&amp;dir={{DIR:u}}&amp;page={{NEXT_PAGE:u}}">Next</a>{{/NEXT}}
	{{#NO_NEXT}}<span class="disabled">Next</span>{{/NO_NEXT}}
</nav>
