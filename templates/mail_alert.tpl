{{%AUTOESCAPE context="HTML"}}
{{! mail_alert.tpl: the HTML part of an alert email to the owner: what happened on a call, why this email was sent, and the link to the call. }}
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{SUBJECT}}</title></head>
<body style="font-family:sans-serif;color:#222;max-width:560px">
<h1 style="font-size:20px">{{HEADLINE}}</h1>
<table style="border-collapse:collapse">
{{#ROW}}<tr><th style="text-align:left;padding:2px 12px 2px 0">{{LABEL}}</th><td>{{VALUE}}</td></tr>{{/ROW}}
</table>
{{#SUMMARY}}<p>{{TEXT}}</p>{{/SUMMARY}}
<p><a href="{{CALL_URL}}">Open the call</a></p>
<p style="color:#666;font-size:12px">{{WHY}}</p>
</body>
</html>
