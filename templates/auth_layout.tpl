{{%AUTOESCAPE context="HTML"}}
{{! auth_layout.tpl: page frame for signed-out pages (login, sign-up, invite accept): the page BODY in a centered card. }}
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}} · Switchboard</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/app.css">
<script src="/static/app.js" defer></script>
</head>
<body class="auth">
<main id="main" class="auth-wrap">
	<a class="brand auth-brand" href="/"><img src="/static/favicon.svg" alt="" width="32" height="32"><span>Switchboard</span></a>
	<div class="auth-card">
{{#FLASH}}<div class="flash flash-{{FLASH_KIND}}" role="status">{{FLASH_TEXT}}</div>{{/FLASH}}
{{>BODY}}
	</div>
	<p class="auth-footer">The AI receptionist that answers every call.</p>
</main>
</body>
</html>
