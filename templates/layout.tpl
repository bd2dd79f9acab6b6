{{%AUTOESCAPE context="HTML"}}
{{! layout.tpl: page frame for signed-in pages: sidebar nav, user menu, logout, flash message and the page BODY. }}
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}} · Switchboard</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/app.css">
<script src="/static/app.js" defer></script>
<script src="/static/live.js" defer></script>
</head>
<body class="app" data-live-channel="{{ORG_ID}}" data-live-made="{{LIVE_MADE}}">
<a class="skip-link" href="#main">Skip to content</a>
<div class="shell">
<header class="sidebar">
	<div class="sidebar-top">
		<a class="brand" href="/"><img src="/static/favicon.svg" alt="" width="28" height="28"><span>Switchboard</span></a>
		<a class="nav-toggle" href="#site-nav" aria-controls="site-nav" aria-expanded="false"><svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 7h16M4 12h16M4 17h16"/></svg><span>Menu</span></a>
	</div>
	<nav id="site-nav" class="nav" aria-label="Main">
		<p class="org-name">{{ORG_NAME}}</p>
		<ul class="nav-list">
			<li><a class="nav-link {{NAV_DASHBOARD}}" href="/"><svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><rect x="3" y="3" width="7" height="7" rx="1.5"/><rect x="14" y="3" width="7" height="7" rx="1.5"/><rect x="3" y="14" width="7" height="7" rx="1.5"/><rect x="14" y="14" width="7" height="7" rx="1.5"/></svg>Dashboard</a></li>
			<li><a class="nav-link {{NAV_CALLS}}" href="/calls"><svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><rect x="6" y="2" width="12" height="20" rx="2.5"/><path d="M11 18h2"/></svg>Calls</a></li>
			<li><a class="nav-link {{NAV_TESTCALL}}" href="/test-call"><svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><rect x="9" y="2" width="6" height="12" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v4M8 22h8"/></svg>Test call</a></li>
			<li><a class="nav-link {{NAV_LEADS}}" href="/leads"><svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="9"/><circle cx="12" cy="12" r="5"/><circle cx="12" cy="12" r="1"/></svg>Leads</a></li>
			<li><a class="nav-link {{NAV_MESSAGES}}" href="/messages"><svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M4 5h16v11H9l-5 4z"/></svg>Messages</a></li>
			<li><a class="nav-link {{NAV_APPOINTMENTS}}" href="/appointments"><svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><rect x="3" y="5" width="18" height="16" rx="2"/><path d="M3 10h18M8 3v4M16 3v4"/></svg>Appointments</a></li>
			<li><a class="nav-link {{NAV_SERVICES}}" href="/services"><svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M9 6h11M9 12h11M9 18h11M4.5 6h.01M4.5 12h.01M4.5 18h.01"/></svg>Services</a></li>
			<li><a class="nav-link {{NAV_SETTINGS}}" href="/settings"><svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M4 21v-7M4 10V3M12 21v-9M12 8V3M20 21v-5M20 12V3M1 14h6M9 8h6M17 16h6"/></svg>Settings</a></li>
		</ul>
		<div class="user-menu">
			<p class="user"><span class="user-email" title="{{USER_EMAIL}}">{{USER_EMAIL}}</span> <span class="user-role">{{USER_ROLE}}</span></p>
			<ul class="nav-list">
				<li><a class="nav-link {{NAV_TEAM}}" href="/team"><svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><circle cx="9" cy="8" r="4"/><path d="M2 21v-1a6 6 0 0 1 6-6h2a6 6 0 0 1 6 6v1M16 4a4 4 0 0 1 0 8M22 21v-1a6 6 0 0 0-4-5.6"/></svg>Team</a></li>
				<li><a class="nav-link {{NAV_ACCOUNT}}" href="/account"><svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="8" r="4"/><path d="M4 21v-1a7 7 0 0 1 7-7h2a7 7 0 0 1 7 7v1"/></svg>Account</a></li>
				<li><form class="logout" method="post" action="/logout"><input type="hidden" name="csrf" value="{{CSRF}}"><button type="submit" class="nav-link"><svg class="nav-icon" viewBox="0 0 24 24" aria-hidden="true"><path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9"/></svg>Log out</button></form></li>
			</ul>
		</div>
	</nav>
</header>
<main id="main" class="main" tabindex="-1">
<div class="container">
{{#VERIFY_BANNER}}<div class="flash flash-info verify-banner" role="status"><form method="post" action="/account/verify-email"><input type="hidden" name="csrf" value="{{CSRF}}">Confirm your email address ({{USER_EMAIL}}) with the link we sent to it. Until then you cannot connect a phone line. <button type="submit" class="btn btn-small">Send a new link</button></form></div>{{/VERIFY_BANNER}}
{{#FLASH}}<div class="flash flash-{{FLASH_KIND}}" role="status">{{FLASH_TEXT}}</div>{{/FLASH}}
{{>BODY}}
</div>
</main>
</div>
</body>
</html>
