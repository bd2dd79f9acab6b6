{{%AUTOESCAPE context="HTML"}}
{{! mail_summary.tpl: the HTML part of a business's daily summary email: the day's figures and the leads to call back. }}
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{SUBJECT}}</title></head>
<body style="font-family:sans-serif;color:#222;max-width:560px">
<h1 style="font-size:20px">{{BUSINESS}}: {{SUBJECT}}</h1>
<p style="color:#666">{{PERIOD}}</p>
<table style="border-collapse:collapse">
{{#FIGURE}}<tr><th style="text-align:left;padding:2px 12px 2px 0">{{LABEL}}</th><td>{{VALUE}}</td></tr>{{/FIGURE}}
</table>
{{#LEADS}}<h2 style="font-size:16px">Leads to call back</h2>
<ul>{{#LEAD}}<li><a href="{{URL}}">{{WHO}}</a> {{WHAT}}</li>{{/LEAD}}</ul>{{/LEADS}}
<p><a href="{{DASHBOARD_URL}}">Open the dashboard</a></p>
</body>
</html>
