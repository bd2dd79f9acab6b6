{{%AUTOESCAPE context="HTML"}}
{{! mail_info.tpl: the HTML part of the business's information email to a caller: its logo, the owner's text as paragraphs, and its details. }}
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{SUBJECT}}</title></head>
<body style="font-family:sans-serif;color:#222;max-width:560px">
{{#LOGO}}<p><img src="{{URL}}" alt="{{BUSINESS}}" style="max-width:200px;max-height:80px"></p>{{/LOGO}}
{{#PARAGRAPH}}<p>{{TEXT}}</p>{{/PARAGRAPH}}
<p style="color:#666">{{BUSINESS}}{{#PHONE}}<br>{{NUMBER}}{{/PHONE}}</p>
</body>
</html>
