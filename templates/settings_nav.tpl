{{%AUTOESCAPE context="HTML"}}
{{! settings_nav.tpl: the sub-navigation between the settings sections; TAB_* is "active" for the one shown. }}
<nav class="settings-nav" aria-label="Settings sections">
	<a class="{{TAB_BUSINESS}}" href="/settings">Business</a>
	<a class="{{TAB_PHONES}}" href="/settings/phones">Phone numbers</a>
	<a href="/line">Phone line</a>
	<a class="{{TAB_HOURS}}" href="/settings/hours">Hours</a>
	<a class="{{TAB_RESOURCES}}" href="/settings/resources">Resources</a>
	<a class="{{TAB_CLOSURES}}" href="/settings/closures">Closed dates</a>
	<a class="{{TAB_RECEPTIONIST}}" href="/settings/receptionist">Receptionist</a>
	<a class="{{TAB_NOTIFICATIONS}}" href="/settings/notifications">Notifications</a>
	<a class="{{TAB_REMINDERS}}" href="/settings/reminders">Reminders</a>
	<a class="{{TAB_KNOWLEDGE}}" href="/settings/knowledge">Knowledge base</a>
	<a class="{{TAB_VAPI}}" href="/settings/vapi">Vapi</a>
	<a class="{{TAB_CREDENTIALS}}" href="/settings/credentials">Provider keys</a>
	<a class="{{TAB_PRACTICE}}" href="/settings/practice">Practice calls</a>
	<a class="{{TAB_CALENDAR}}" href="/settings/calendar">Calendar</a>
</nav>
