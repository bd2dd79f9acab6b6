-- demo/acme: the "Acme Plumbing & Heating" demo business with a week of history, loaded by `make run`.
--
-- Idempotent: every row has a fixed id (or natural key) and is inserted with
-- ON CONFLICT DO NOTHING, so a second run changes nothing; times are relative
-- to the first run's now(). Log in as owner@acme.test / demo-password.
-- Ids are ac3e0000-0000-4000-8000-0000000000NN; call turns derive theirs
-- from the call (8041 = call …41) and their sequence number.
-- One transaction, so a failed load leaves nothing half-done (psql -f
-- without --single-transaction, as scripts/stack.sh runs it).

BEGIN;

INSERT INTO organizations (id, name, timezone, business_hours, greeting,
			   voice_personality, call_mode, sms_enabled,
			   alert_phone, alert_email, transfer_phone, retention_days,
			   business_kind, summary_hour, mail_reply_to, created_at)
VALUES ('ac3e0000-0000-4000-8000-000000000001',
	'Acme Plumbing & Heating', 'America/New_York',
	'{"mon":[["08:00","18:00"]],"tue":[["08:00","18:00"]],"wed":[["08:00","18:00"]],"thu":[["08:00","18:00"]],"fri":[["08:00","18:00"]],"sat":[["09:00","13:00"]],"sun":[]}',
	'Thanks for calling Acme Plumbing & Heating, this is the virtual receptionist. How can I help you today?',
	'Friendly, calm and efficient. Plain words, short sentences, never pushy. Reassuring with callers who have an emergency.',
	'gather', false,
	'+15555550198', 'owner@acme.test', '+15555550199', 365,
	'plumber', 18, 'office@acme.test', now() - interval '30 days')
ON CONFLICT DO NOTHING;

-- The owner's alerts: texts about urgent calls and hot leads, email about every kind; the
-- daily summary (18:00 above) goes to the same address. With `make run` the email lands in
-- var/mail/.
INSERT INTO alert_channels (id, org_id, channel, recipients, on_booking, on_urgent, on_hot_lead,
			    on_missed_call)
VALUES ('ac3e0000-0000-4000-8000-0000000000a1', 'ac3e0000-0000-4000-8000-000000000001', 'sms',
	'{+15555550198}', false, true, true, false),
       ('ac3e0000-0000-4000-8000-0000000000a2', 'ac3e0000-0000-4000-8000-000000000001', 'email',
	'{owner@acme.test}', true, true, true, true)
ON CONFLICT DO NOTHING;

-- Two plumbers, each with a van: Mike works the shop's hours, Luis weekdays with a lunch
-- hour. The resource the business got when it was created gives way to them (when nothing
-- is booked on it yet).
INSERT INTO resources (id, org_id, name, kind, hours, position, created_at)
VALUES
	('ac3e0000-0000-4000-8000-000000000061', 'ac3e0000-0000-4000-8000-000000000001',
	 'Mike', 'person', NULL, 0, now() - interval '30 days'),
	('ac3e0000-0000-4000-8000-000000000062', 'ac3e0000-0000-4000-8000-000000000001',
	 'Luis', 'person',
	 '{"mon":[["08:00","12:00"],["13:00","18:00"]],"tue":[["08:00","12:00"],["13:00","18:00"]],"wed":[["08:00","12:00"],["13:00","18:00"]],"thu":[["08:00","12:00"],["13:00","18:00"]],"fri":[["08:00","12:00"],["13:00","18:00"]],"sat":[],"sun":[]}',
	 1, now() - interval '30 days')
ON CONFLICT DO NOTHING;
DELETE FROM resources r
WHERE r.org_id = 'ac3e0000-0000-4000-8000-000000000001'
  AND r.id NOT IN ('ac3e0000-0000-4000-8000-000000000061', 'ac3e0000-0000-4000-8000-000000000062')
  AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.resource_id = r.id);

-- scrypt N=16384 r=8 p=1, 16-byte salt, 32-byte key of 'demo-password'.
INSERT INTO users (id, org_id, email, password_hash, role, name, created_at)
VALUES ('ac3e0000-0000-4000-8000-000000000002',
	'ac3e0000-0000-4000-8000-000000000001', 'owner@acme.test',
	'scrypt$16384$8$1$zLxEr7DAuRzztXxVpjjsjA==$qZjrNay4imUnJd0I7S00ljGisJKDO505VHXQHrOGpKE=',
	'owner', 'Dana Whitfield', now() - interval '30 days')
ON CONFLICT DO NOTHING;

-- Verified as numbers from before verification were: the demo's calls come to it.
INSERT INTO phone_numbers (id, org_id, e164, provider, label, active, verified_at)
VALUES ('ac3e0000-0000-4000-8000-000000000003',
	'ac3e0000-0000-4000-8000-000000000001', '+15555550100', 'twilio',
	'Main line', true, now() - interval '30 days')
ON CONFLICT DO NOTHING;

INSERT INTO services (id, org_id, name, description, price_cents,
		      duration_minutes, keywords)
VALUES
	('ac3e0000-0000-4000-8000-000000000011', 'ac3e0000-0000-4000-8000-000000000001',
	 'Drain cleaning', 'Clear a clogged or slow sink, tub, shower or floor drain with a power auger.',
	 14900, 60, '{drain,clog,clogged,sink,slow}'),
	('ac3e0000-0000-4000-8000-000000000012', 'ac3e0000-0000-4000-8000-000000000001',
	 'Water heater repair', 'Diagnose and repair gas or electric tank water heaters: no hot water, leaks, pilot and thermostat problems.',
	 28900, 90, '{water heater,hot water,no hot water,heater,tank}'),
	('ac3e0000-0000-4000-8000-000000000013', 'ac3e0000-0000-4000-8000-000000000001',
	 'Emergency leak repair', 'Same-day response to burst pipes, active leaks and flooding, day or night.',
	 34900, 60, '{leak,leaking,flood,flooding,burst,pipe}'),
	('ac3e0000-0000-4000-8000-000000000014', 'ac3e0000-0000-4000-8000-000000000001',
	 'Furnace tune-up', 'Seasonal furnace inspection, cleaning and safety check.',
	 12900, 60, '{furnace,heat,heating,no heat,tune-up}'),
	('ac3e0000-0000-4000-8000-000000000015', 'ac3e0000-0000-4000-8000-000000000001',
	 'Fixture installation', 'Install a customer-supplied faucet, toilet, sink or other fixture.',
	 19900, 120, '{faucet,toilet,fixture,install}')
ON CONFLICT DO NOTHING;

INSERT INTO knowledge_entries (id, org_id, question, answer, tags)
VALUES
	('ac3e0000-0000-4000-8000-000000000021', 'ac3e0000-0000-4000-8000-000000000001',
	 'What area do you serve?',
	 'We serve Springfield and every town within about 25 miles, including Shelbyville, Ogdenville and Capital City. Outside that area we can usually recommend someone.',
	 '{service area,location}'),
	('ac3e0000-0000-4000-8000-000000000022', 'ac3e0000-0000-4000-8000-000000000001',
	 'How can I pay?',
	 'We take cash, checks and all major credit and debit cards, plus Apple Pay and Google Pay. Payment is due when the job is finished. Financing is available for water heater replacements over one thousand dollars.',
	 '{payment,billing}'),
	('ac3e0000-0000-4000-8000-000000000023', 'ac3e0000-0000-4000-8000-000000000001',
	 'Do you guarantee your work? What is the warranty?',
	 'All of our labor is guaranteed for one full year. Parts carry the manufacturer''s warranty, and new water heaters we install come with a six-year tank warranty.',
	 '{warranty,guarantee}'),
	('ac3e0000-0000-4000-8000-000000000024', 'ac3e0000-0000-4000-8000-000000000001',
	 'Do you handle emergencies after hours?',
	 'Yes, we take emergency calls around the clock, seven days a week. For a burst pipe or active flooding, shut off the main water valve if you can do so safely. An on-call technician usually arrives within 90 minutes. After-hours emergency visits carry a 95 dollar surcharge.',
	 '{emergency,after hours,24/7}'),
	('ac3e0000-0000-4000-8000-000000000025', 'ac3e0000-0000-4000-8000-000000000001',
	 'Do you charge for estimates?',
	 'Estimates for replacements and new installations are free. A diagnostic visit is 79 dollars, and that amount is credited toward the repair if you go ahead with it.',
	 '{estimate,pricing,diagnostic}'),
	('ac3e0000-0000-4000-8000-000000000026', 'ac3e0000-0000-4000-8000-000000000001',
	 'Are you licensed and insured?',
	 'Yes. Acme Plumbing & Heating is fully licensed and insured, and every technician is background-checked.',
	 '{license,insurance}')
ON CONFLICT DO NOTHING;

-- Leads first: calls point at them, and their last_call_id is filled in
-- below once the calls exist.
INSERT INTO leads (id, org_id, phone, name, email, address, service_id, status,
		   score, temperature, value_cents, summary, notes,
		   last_contacted_at, callback_at, created_at, updated_at)
VALUES
	('ac3e0000-0000-4000-8000-000000000031', 'ac3e0000-0000-4000-8000-000000000001',
	 '+15555550123', 'Maria Lopez', NULL, '42 Evergreen Terrace, Springfield',
	 'ac3e0000-0000-4000-8000-000000000011', 'booked', 82, 'hot', 14900,
	 'Kitchen sink draining very slowly for a week; booked drain cleaning.',
	 NULL, now() - interval '2 days 3 hours', NULL,
	 now() - interval '2 days 3 hours', now() - interval '2 days 3 hours'),
	('ac3e0000-0000-4000-8000-000000000032', 'ac3e0000-0000-4000-8000-000000000001',
	 '+15555550134', 'Tom Becker', NULL, '17 Maple Street, Shelbyville',
	 'ac3e0000-0000-4000-8000-000000000013', 'converted', 95, 'hot', 34900,
	 'Burst pipe in the basement, water on the floor; transferred to the on-call technician, repaired the same evening.',
	 NULL, now() - interval '1 day 2 hours', NULL,
	 now() - interval '1 day 2 hours', now() - interval '1 day'),
	('ac3e0000-0000-4000-8000-000000000033', 'ac3e0000-0000-4000-8000-000000000001',
	 '+15555550145', NULL, NULL, NULL, NULL, 'new', 40, 'warm', NULL,
	 'Missed call; text-back sent.', NULL, NULL, NULL,
	 now() - interval '5 hours', now() - interval '5 hours'),
	('ac3e0000-0000-4000-8000-000000000034', 'ac3e0000-0000-4000-8000-000000000001',
	 '+15555550156', 'Priya Shah', 'priya.shah@example.com', '9 Orchard Lane, Ogdenville',
	 'ac3e0000-0000-4000-8000-000000000012', 'booked', 76, 'hot', 28900,
	 'No hot water since yesterday, 12-year-old gas water heater; booked a repair visit.',
	 NULL, now() - interval '3 days 1 hour', NULL,
	 now() - interval '3 days 1 hour', now() - interval '3 days 1 hour'),
	('ac3e0000-0000-4000-8000-000000000035', 'ac3e0000-0000-4000-8000-000000000001',
	 '+15555550167', 'Dave Kim', NULL, NULL,
	 'ac3e0000-0000-4000-8000-000000000014', 'qualified', 58, 'warm', 12900,
	 'Asked about a furnace tune-up price before winter; wants to check his schedule and call back.',
	 NULL, now() - interval '4 days 6 hours', now() + interval '1 day',
	 now() - interval '4 days 6 hours', now() - interval '4 days 6 hours'),
	('ac3e0000-0000-4000-8000-000000000036', 'ac3e0000-0000-4000-8000-000000000001',
	 '+15555550178', 'Linda Park', NULL, 'Riverton', NULL, 'lost', 15, 'cold', NULL,
	 'Wanted a bathroom remodel quote in Riverton, outside the service area.',
	 NULL, now() - interval '6 days 2 hours', NULL,
	 now() - interval '6 days 2 hours', now() - interval '6 days 2 hours')
ON CONFLICT DO NOTHING;

INSERT INTO calls (id, org_id, phone_number_id, provider, provider_call_id,
		   direction, from_number, to_number, status, started_at,
		   answered_at, ended_at, duration_seconds, recording_status,
		   transfer_to, transferred_at, summary, sentiment_score,
		   sentiment_label, urgency, value_cents, booked, ended_reason,
		   call_type, customer_type, call_purpose, lead_id, cost_cents)
SELECT c.id::uuid, 'ac3e0000-0000-4000-8000-000000000001',
       'ac3e0000-0000-4000-8000-000000000003', 'twilio', c.sid, 'inbound',
       c.from_number, '+15555550100', c.status, now() - c.ago,
       CASE WHEN c.duration > 0 THEN now() - c.ago + interval '2 seconds' END,
       now() - c.ago + make_interval(secs => c.duration + 2), c.duration,
       'none', c.transfer_to,
       CASE WHEN c.transfer_to IS NOT NULL THEN now() - c.ago + interval '70 seconds' END,
       c.summary, c.sentiment, c.sentiment_label, c.urgency, c.value_cents,
       c.booked, c.ended_reason, c.call_type, c.customer_type, c.purpose,
       c.lead_id::uuid, c.cost_cents
FROM (VALUES
	('ac3e0000-0000-4000-8000-000000000041', 'CA0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f41',
	 '+15555550123', 'completed', interval '2 days 3 hours', 142, NULL,
	 'Maria Lopez called about a kitchen sink that has drained slowly for a week. Booked a drain cleaning at the next opening.',
	 0.6::real, 'positive', 'normal', 14900::bigint, true, 'caller-hung-up',
	 'service_request', 'new', 'Book drain cleaning for kitchen sink',
	 'ac3e0000-0000-4000-8000-000000000031', 4::bigint),
	('ac3e0000-0000-4000-8000-000000000042', 'CA0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f42',
	 '+15555550134', 'transferred', interval '1 day 2 hours', 95, '+15555550199',
	 'Tom Becker reported a burst pipe in his basement with water on the floor. Told him to shut off the main valve and transferred him to the on-call technician.',
	 -0.4::real, 'negative', 'emergency', 34900::bigint, false, 'transferred',
	 'emergency', 'new', 'Burst pipe in basement',
	 'ac3e0000-0000-4000-8000-000000000032', 3::bigint),
	('ac3e0000-0000-4000-8000-000000000043', 'CA0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f43',
	 '+15555550145', 'missed', interval '5 hours', 0, NULL,
	 NULL, NULL::real, NULL, NULL, NULL::bigint, false, 'no-answer',
	 NULL, NULL, NULL,
	 'ac3e0000-0000-4000-8000-000000000033', 0::bigint),
	('ac3e0000-0000-4000-8000-000000000044', 'CA0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f44',
	 '+15555550156', 'completed', interval '3 days 1 hour', 188, NULL,
	 'Priya Shah has had no hot water since yesterday from a 12-year-old gas water heater. Quoted 289 dollars and booked a repair visit.',
	 0.3::real, 'neutral', 'high', 28900::bigint, true, 'assistant-ended-call',
	 'service_request', 'new', 'Water heater not producing hot water',
	 'ac3e0000-0000-4000-8000-000000000034', 5::bigint),
	('ac3e0000-0000-4000-8000-000000000045', 'CA0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f45',
	 '+15555550167', 'completed', interval '4 days 6 hours', 74, NULL,
	 'Dave Kim asked what a furnace tune-up costs. Quoted 129 dollars; he will check his schedule and call back.',
	 0.2::real, 'neutral', 'low', 12900::bigint, false, 'caller-hung-up',
	 'price_inquiry', 'returning', 'Furnace tune-up price',
	 'ac3e0000-0000-4000-8000-000000000035', 2::bigint),
	('ac3e0000-0000-4000-8000-000000000046', 'CA0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f46',
	 '+15555550178', 'completed', interval '6 days 2 hours', 51, NULL,
	 'Linda Park wanted a bathroom remodel quote in Riverton, which is outside the service area.',
	 -0.1::real, 'neutral', 'low', NULL::bigint, false, 'caller-hung-up',
	 'inquiry', 'new', 'Bathroom remodel outside service area',
	 'ac3e0000-0000-4000-8000-000000000036', 2::bigint)
) AS c (id, sid, from_number, status, ago, duration, transfer_to, summary,
	sentiment, sentiment_label, urgency, value_cents, booked, ended_reason,
	call_type, customer_type, purpose, lead_id, cost_cents)
ON CONFLICT DO NOTHING;

-- Only fills links still empty, so a second run updates no row.
UPDATE leads l SET last_call_id = c.id
FROM calls c
WHERE c.lead_id = l.id AND l.last_call_id IS NULL
  AND l.org_id = 'ac3e0000-0000-4000-8000-000000000001'
  AND c.id IN ('ac3e0000-0000-4000-8000-000000000041', 'ac3e0000-0000-4000-8000-000000000042',
	       'ac3e0000-0000-4000-8000-000000000043', 'ac3e0000-0000-4000-8000-000000000044',
	       'ac3e0000-0000-4000-8000-000000000045', 'ac3e0000-0000-4000-8000-000000000046');

INSERT INTO call_turns (id, org_id, call_id, seq, speaker, text, played_text,
			started_at, stt_ms, brain_first_token_ms, total_ms, created_at)
SELECT format('ac3e0000-0000-4000-80%s-%s', right(t.call_id, 2),
	      lpad(t.seq::text, 12, '0'))::uuid,
       'ac3e0000-0000-4000-8000-000000000001', c.id, t.seq, t.speaker, t.text,
       CASE WHEN t.speaker = 'assistant' THEN t.text END,
       c.started_at + interval '2 seconds' + t.seq * interval '8 seconds',
       CASE WHEN t.speaker = 'caller' THEN 420 + t.seq * 15 END,
       CASE WHEN t.speaker = 'assistant' THEN 310 + t.seq * 20 END,
       CASE WHEN t.speaker = 'assistant' THEN 780 + t.seq * 25 END,
       c.started_at + interval '2 seconds' + t.seq * interval '8 seconds'
FROM (VALUES
	('ac3e0000-0000-4000-8000-000000000041', 0, 'assistant', 'Thanks for calling Acme Plumbing & Heating, this is the virtual receptionist. How can I help you today?'),
	('ac3e0000-0000-4000-8000-000000000041', 1, 'caller', 'Hi, my kitchen sink has been draining really slowly for about a week now.'),
	('ac3e0000-0000-4000-8000-000000000041', 2, 'assistant', 'Sorry to hear that. That sounds like our drain cleaning service, which is 149 dollars and takes about an hour. Would you like to book a visit?'),
	('ac3e0000-0000-4000-8000-000000000041', 3, 'caller', 'Yes please, as soon as you can.'),
	('ac3e0000-0000-4000-8000-000000000041', 4, 'assistant', 'Our next opening is at 10 in the morning. Can I have your name and the address?'),
	('ac3e0000-0000-4000-8000-000000000041', 5, 'caller', 'Maria Lopez, 42 Evergreen Terrace in Springfield.'),
	('ac3e0000-0000-4000-8000-000000000041', 6, 'assistant', 'Thank you, Maria. You are booked for drain cleaning at 10 AM at 42 Evergreen Terrace. Is there anything else I can help with?'),
	('ac3e0000-0000-4000-8000-000000000041', 7, 'caller', 'No, that''s it. Thanks!'),
	('ac3e0000-0000-4000-8000-000000000042', 0, 'assistant', 'Thanks for calling Acme Plumbing & Heating, this is the virtual receptionist. How can I help you today?'),
	('ac3e0000-0000-4000-8000-000000000042', 1, 'caller', 'A pipe just burst in my basement and there is water all over the floor!'),
	('ac3e0000-0000-4000-8000-000000000042', 2, 'assistant', 'I''m sorry, that''s an emergency. If you can do it safely, shut off the main water valve now. I''m connecting you to our on-call technician.'),
	('ac3e0000-0000-4000-8000-000000000042', 3, 'caller', 'Okay, okay. Please hurry.'),
	('ac3e0000-0000-4000-8000-000000000042', 4, 'system', 'Transferred to +15555550199.'),
	('ac3e0000-0000-4000-8000-000000000044', 0, 'assistant', 'Thanks for calling Acme Plumbing & Heating, this is the virtual receptionist. How can I help you today?'),
	('ac3e0000-0000-4000-8000-000000000044', 1, 'caller', 'We have had no hot water since yesterday. The water heater is a gas one, about twelve years old.'),
	('ac3e0000-0000-4000-8000-000000000044', 2, 'assistant', 'I can help with that. A water heater repair visit is 289 dollars and takes about an hour and a half. Would you like to schedule one?'),
	('ac3e0000-0000-4000-8000-000000000044', 3, 'caller', 'Yes. Afternoons work best for me.'),
	('ac3e0000-0000-4000-8000-000000000044', 4, 'assistant', 'I have 1 PM available. May I have your name, address and an email for the confirmation?'),
	('ac3e0000-0000-4000-8000-000000000044', 5, 'caller', 'Priya Shah, 9 Orchard Lane in Ogdenville, priya.shah@example.com.'),
	('ac3e0000-0000-4000-8000-000000000044', 6, 'assistant', 'Thank you, Priya. Your water heater repair is booked for 1 PM at 9 Orchard Lane. We will text you a reminder the day before.'),
	('ac3e0000-0000-4000-8000-000000000045', 0, 'assistant', 'Thanks for calling Acme Plumbing & Heating, this is the virtual receptionist. How can I help you today?'),
	('ac3e0000-0000-4000-8000-000000000045', 1, 'caller', 'How much is a furnace tune-up?'),
	('ac3e0000-0000-4000-8000-000000000045', 2, 'assistant', 'A furnace tune-up is 129 dollars and takes about an hour. Would you like me to book one?'),
	('ac3e0000-0000-4000-8000-000000000045', 3, 'caller', 'Let me check my schedule and I''ll call you back.'),
	('ac3e0000-0000-4000-8000-000000000045', 4, 'assistant', 'Of course. Call any time, and have a great day.'),
	('ac3e0000-0000-4000-8000-000000000046', 0, 'assistant', 'Thanks for calling Acme Plumbing & Heating, this is the virtual receptionist. How can I help you today?'),
	('ac3e0000-0000-4000-8000-000000000046', 1, 'caller', 'Do you do bathroom remodels in Riverton?'),
	('ac3e0000-0000-4000-8000-000000000046', 2, 'assistant', 'I''m sorry, Riverton is outside our service area. We serve Springfield and towns within about 25 miles.'),
	('ac3e0000-0000-4000-8000-000000000046', 3, 'caller', 'Oh, okay. Thanks anyway.')
) AS t (call_id, seq, speaker, text)
JOIN calls c ON c.id = t.call_id::uuid
ON CONFLICT DO NOTHING;

-- Upcoming visits land on the next days the shop is open at that hour:
-- Maria at 10:00 (Saturday is fine, Sunday is closed), Priya at 13:00 on a
-- weekday (Saturday closes at 13:00).
INSERT INTO appointments (id, org_id, lead_id, call_id, service_id,
			  customer_name, customer_phone, address, starts_at,
			  ends_at, status, notes, created_at)
SELECT a.id::uuid, 'ac3e0000-0000-4000-8000-000000000001', a.lead_id::uuid,
       a.call_id::uuid, a.service_id::uuid, a.customer_name, a.customer_phone,
       a.address, a.starts_at, a.starts_at + a.length, a.status, a.notes,
       a.created_at
FROM (
	SELECT (today + 1 + CASE WHEN extract(isodow FROM today + 1) = 7
				 THEN 1 ELSE 0 END) AS first_day,
	       (today + 2 + CASE extract(isodow FROM today + 2)
				 WHEN 6 THEN 2 WHEN 7 THEN 1 ELSE 0 END) AS second_day
	FROM (SELECT (now() AT TIME ZONE 'America/New_York')::date AS today) AS local
) AS d,
LATERAL (VALUES
	('ac3e0000-0000-4000-8000-000000000051', 'ac3e0000-0000-4000-8000-000000000031',
	 'ac3e0000-0000-4000-8000-000000000041', 'ac3e0000-0000-4000-8000-000000000011',
	 'Maria Lopez', '+15555550123', '42 Evergreen Terrace, Springfield',
	 (d.first_day + time '10:00') AT TIME ZONE 'America/New_York',
	 interval '60 minutes', 'confirmed', 'Kitchen sink, slow drain.',
	 now() - interval '2 days 3 hours'),
	('ac3e0000-0000-4000-8000-000000000052', 'ac3e0000-0000-4000-8000-000000000034',
	 'ac3e0000-0000-4000-8000-000000000044', 'ac3e0000-0000-4000-8000-000000000012',
	 'Priya Shah', '+15555550156', '9 Orchard Lane, Ogdenville',
	 (d.second_day + time '13:00') AT TIME ZONE 'America/New_York',
	 interval '90 minutes', 'scheduled', 'Gas water heater, about 12 years old, no hot water.',
	 now() - interval '3 days 1 hour'),
	('ac3e0000-0000-4000-8000-000000000053', 'ac3e0000-0000-4000-8000-000000000032',
	 'ac3e0000-0000-4000-8000-000000000042', 'ac3e0000-0000-4000-8000-000000000013',
	 'Tom Becker', '+15555550134', '17 Maple Street, Shelbyville',
	 now() - interval '1 day 1 hour', interval '60 minutes', 'completed',
	 'Burst copper line in basement; replaced a section and tested.',
	 now() - interval '1 day 2 hours')
) AS a (id, lead_id, call_id, service_id, customer_name, customer_phone,
	address, starts_at, length, status, notes, created_at)
ON CONFLICT DO NOTHING;

-- SMS is off for the demo, so texts were only logged, as they would be for
-- a new customer before SMS is switched on.
INSERT INTO notifications (id, org_id, channel, purpose, to_address, subject,
			   body, status, call_id, appointment_id, lead_id,
			   created_at, sent_at)
VALUES
	('ac3e0000-0000-4000-8000-000000000061', 'ac3e0000-0000-4000-8000-000000000001',
	 'sms', 'confirmation', '+15555550123', NULL,
	 'Acme Plumbing & Heating: your drain cleaning is booked for 10:00 AM. Reply STOP to opt out.',
	 'logged', 'ac3e0000-0000-4000-8000-000000000041',
	 'ac3e0000-0000-4000-8000-000000000051', 'ac3e0000-0000-4000-8000-000000000031',
	 now() - interval '2 days 3 hours' + interval '3 minutes', NULL),
	('ac3e0000-0000-4000-8000-000000000062', 'ac3e0000-0000-4000-8000-000000000001',
	 'email', 'owner_alert', 'owner@acme.test', 'Emergency call: burst pipe (Tom Becker)',
	 'Tom Becker (+15555550134) reported a burst pipe in his basement and was transferred to +15555550199.',
	 'logged', 'ac3e0000-0000-4000-8000-000000000042', NULL,
	 'ac3e0000-0000-4000-8000-000000000032',
	 now() - interval '1 day 2 hours' + interval '2 minutes', NULL),
	('ac3e0000-0000-4000-8000-000000000063', 'ac3e0000-0000-4000-8000-000000000001',
	 'sms', 'missed_call', '+15555550145', NULL,
	 'Sorry we missed your call to Acme Plumbing & Heating! Reply here or call back and we will help right away. Reply STOP to opt out.',
	 'logged', 'ac3e0000-0000-4000-8000-000000000043', NULL,
	 'ac3e0000-0000-4000-8000-000000000033',
	 now() - interval '5 hours' + interval '1 minute', NULL)
ON CONFLICT DO NOTHING;

INSERT INTO lead_notes (id, org_id, lead_id, user_id, body, created_at)
VALUES ('ac3e0000-0000-4000-8000-000000000071', 'ac3e0000-0000-4000-8000-000000000001',
	'ac3e0000-0000-4000-8000-000000000035', 'ac3e0000-0000-4000-8000-000000000002',
	'Mentioned he might want the annual maintenance plan too. Call back tomorrow afternoon.',
	now() - interval '4 days 5 hours')
ON CONFLICT DO NOTHING;

COMMIT;
