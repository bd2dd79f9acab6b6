{{%AUTOESCAPE context="HTML"}}
{{! dashboard.tpl: today's figures for the business. }}
<div class="page-header"><h1>Dashboard</h1></div>
<div class="stats">
	<div class="stat"><p class="stat-label">Calls today</p><p class="stat-value" data-stat="calls_today">{{CALLS_TODAY}}</p></div>
	<div class="stat"><p class="stat-label">Booked today</p><p class="stat-value" data-stat="booked_today">{{BOOKED_TODAY}}</p></div>
	<div class="stat"><p class="stat-label">Missed today</p><p class="stat-value" data-stat="missed_today">{{MISSED_TODAY}}</p></div>
</div>
