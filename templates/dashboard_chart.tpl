{{%AUTOESCAPE context="HTML"}}
{{! dashboard_chart.tpl: the 30-day chart as inline SVG: a pair of bars per day (calls, then bookings), gridlines with counts on the left, a date under every seventh day. The viewBox lets CSS scale it to any width. Included by dashboard.tpl and sent alone by /dashboard/live. }}
<svg viewBox="0 0 {{WIDTH}} {{HEIGHT}}" role="img" aria-labelledby="chart-title"><title id="chart-title">Calls and bookings per day, last 30 days</title>
{{#GRID}}<line class="grid" x1="{{X1}}" x2="{{X2}}" y1="{{Y}}" y2="{{Y}}"/><text class="label" x="{{LABEL_X}}" y="{{LABEL_Y}}" text-anchor="end">{{TICK}}</text>
{{/GRID}}{{#DAY}}<g class="day" data-day="{{DATE}}" data-calls="{{CALLS}}" data-bookings="{{BOOKINGS}}"><title>{{LABEL}}: {{CALLS_TEXT}}, {{BOOKINGS_TEXT}}</title><rect class="bar" x="{{CALLS_X}}" y="{{CALLS_Y}}" width="{{BAR}}" height="{{CALLS_H}}"/><rect class="bar-alt" x="{{BOOKINGS_X}}" y="{{BOOKINGS_Y}}" width="{{BAR}}" height="{{BOOKINGS_H}}"/></g>{{#DATE_LABEL}}<text class="label" x="{{MIDDLE}}" y="{{LABEL_Y}}" text-anchor="middle">{{LABEL}}</text>{{/DATE_LABEL}}
{{/DAY}}</svg>
