-- seed-large: "Large Plumbing Co", a year of a busy business (100,000 calls, 20,000 leads), made by PostgreSQL itself for the list-page benchmark.
--
-- Log in as bench@large.test / bench-password. Runs in psql (it uses \if) as
-- switchboard_owner, in about ten seconds. Loading again changes nothing: the
-- business is made only when its organization is not there yet (deleting it
-- instead would take a minute of cascades). The numbers come from random()
-- after setseed(), so every load is alike; times are relative to the load's
-- now(). Ids are fixed prefixes plus the row's number, so calls,
-- appointments and turns can point at leads and calls without looking them up:
--   b1000000-0000-4000-8000-0000000000NN   organization, users, phone number, services
--   b1000000-0000-4000-a000-<hex n>        lead n (1 .. 20,000)
--   b1000000-0000-4000-c000-<hex n>        call n (1 .. 100,000; 1 is the newest)

SELECT NOT EXISTS (SELECT 1 FROM organizations WHERE id = 'b1000000-0000-4000-8000-000000000001')
	AS bench_missing \gset
\if :bench_missing

BEGIN;

DO $$ BEGIN PERFORM setseed(0.4242); END $$;

INSERT INTO organizations (id, name, timezone, business_hours, greeting, voice_personality,
			   call_mode, sms_enabled, alert_phone, alert_email, transfer_phone,
			   created_at)
VALUES ('b1000000-0000-4000-8000-000000000001', 'Large Plumbing Co', 'America/Chicago',
	'{"mon":[["07:00","19:00"]],"tue":[["07:00","19:00"]],"wed":[["07:00","19:00"]],"thu":[["07:00","19:00"]],"fri":[["07:00","19:00"]],"sat":[["08:00","14:00"]],"sun":[]}',
	'Thanks for calling Large Plumbing Co. How can I help you today?',
	'Warm, quick and practical; calm with emergencies.', 'gather', true,
	'+13125550100', 'bench@large.test', '+13125550101', now() - interval '400 days');

-- scrypt N=16384 r=8 p=1, 16-byte salt, 32-byte key of 'bench-password' (all three users).
INSERT INTO users (id, org_id, email, password_hash, role, name, created_at)
SELECT ('b1000000-0000-4000-8000-00000000000' || n)::uuid,
       'b1000000-0000-4000-8000-000000000001', email,
       'scrypt$16384$8$1$KiJC6D7R9VvKr3zkq5DoyQ==$UOU/erIju3wr9aD8uufwRMLbMqnG191TvVIo8kUufss=',
       role, name, now() - interval '400 days'
FROM (VALUES (2, 'bench@large.test', 'owner', 'Pat Largo'),
	     (3, 'office@large.test', 'admin', 'Robin Office'),
	     (4, 'tech@large.test', 'member', 'Sam Wrench')) AS u (n, email, role, name);

INSERT INTO phone_numbers (id, org_id, e164, label, verified_at)
VALUES ('b1000000-0000-4000-8000-000000000005', 'b1000000-0000-4000-8000-000000000001',
	'+13125557000', 'Main line', now()),
       ('b1000000-0000-4000-8000-000000000006', 'b1000000-0000-4000-8000-000000000001',
	'+13125557001', 'Ads line', now());

INSERT INTO services (id, org_id, name, description, price_cents, duration_minutes, keywords,
		      active)
SELECT ('b1000000-0000-4000-8000-0000000001' || lpad(n::text, 2, '0'))::uuid,
       'b1000000-0000-4000-8000-000000000001', name, name || ', done by a licensed plumber.',
       price, minutes, string_to_array(words, ','), n <> 15
FROM (VALUES (1, 'Drain cleaning', 14900, 60, 'drain,clog,clogged,sink'),
	     (2, 'Water heater repair', 28900, 90, 'water heater,hot water,heater'),
	     (3, 'Water heater replacement', 159900, 240, 'new water heater,tank,replace'),
	     (4, 'Emergency leak repair', 34900, 60, 'leak,leaking,burst,flood'),
	     (5, 'Toilet repair', 12900, 60, 'toilet,running toilet,flush'),
	     (6, 'Faucet installation', 17900, 60, 'faucet,tap,install'),
	     (7, 'Sewer line inspection', 24900, 90, 'sewer,camera,inspection'),
	     (8, 'Sewer line repair', 249900, 480, 'sewer,backup,root'),
	     (9, 'Sump pump installation', 89900, 180, 'sump,pump,basement'),
	     (10, 'Garbage disposal', 21900, 60, 'disposal,garbage disposal'),
	     (11, 'Gas line repair', 39900, 120, 'gas,gas line,smell gas'),
	     (12, 'Repiping', 599900, 960, 'repipe,old pipes,galvanized'),
	     (13, 'Backflow testing', 9900, 45, 'backflow,test,certification'),
	     (14, 'Water softener', 129900, 180, 'softener,hard water'),
	     (15, 'Well pump service', 45900, 180, 'well,well pump')) AS s (n, name, price, minutes, words);

-- Leads: names from common first and last names (Smith, Smithers and Goldsmith among them,
-- so a search for "smith" finds a few hundred), Chicago-area numbers that never repeat.
INSERT INTO leads (id, org_id, phone, name, email, address, service_id, status, score,
		   temperature, value_cents, summary, last_contacted_at, callback_at,
		   created_at, updated_at)
SELECT ('b1000000-0000-4000-a000-' || lpad(to_hex(n), 12, '0'))::uuid,
       'b1000000-0000-4000-8000-000000000001',
       '+1' || (ARRAY['312', '773', '630', '847', '708'])[1 + n % 5]
	    || lpad((n * 7919 % 10000000)::text, 7, '0'),
       CASE WHEN r_name < 0.05 THEN NULL ELSE first_name || ' ' || last_name END,
       CASE WHEN r_name < 0.5 THEN lower(first_name || '.' || last_name) || n || '@example.com' END,
       CASE WHEN r_name < 0.6 THEN (100 + n % 9800) || ' ' || street || ', Chicago, IL' END,
       ('b1000000-0000-4000-8000-0000000001' || lpad((1 + n % 14)::text, 2, '0'))::uuid,
       status,
       CASE WHEN r_score < 0.1 THEN NULL ELSE (r_score * 100)::int END,
       CASE WHEN r_temp < 0.25 THEN 'hot' WHEN r_temp < 0.65 THEN 'warm'
	    WHEN r_temp < 0.9 THEN 'cold' END,
       CASE WHEN r_score < 0.15 THEN NULL ELSE (5000 + r_value * 500000)::bigint END,
       (ARRAY['Caller reports a clogged kitchen sink that drains slowly.',
	      'No hot water since this morning; gas water heater, about 12 years old.',
	      'Water leaking under the upstairs bathroom, ceiling stain below.',
	      'Wants a quote to replace the water heater before winter.',
	      'Toilet keeps running after each flush.',
	      'Sewer smell in the basement and a slow floor drain.',
	      'Asked about sump pump installation after last storm flooded the basement.',
	      'Landlord with three units asking for a maintenance plan.',
	      'Smells gas near the stove; told to leave the house and call the gas company.',
	      'New faucet bought, needs it installed this week.'])[1 + n % 10],
       created + (updated - created) * 0.5,
       CASE WHEN status IN ('new', 'contacted') AND r_value < 0.1
	    THEN now() + (r_value * 140) * interval '1 day' END,
       created, updated
FROM (SELECT n, first_name, last_name, street, r_name, r_score, r_temp, r_value, status, created,
	     created + (now() - created) * r_upd AS updated
      FROM (SELECT n,
		   (ARRAY['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael',
			  'Linda', 'David', 'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan',
			  'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Carlos', 'Karen', 'Daniel',
			  'Maria', 'Anthony', 'Nancy', 'Kevin', 'Lisa', 'Jose', 'Betty', 'Brian',
			  'Sandra', 'Wei', 'Priya', 'Ahmed', 'Olga', 'Tomasz', 'Aisha', 'Hiroshi',
			  'Fatima', 'Liam', 'Grace'])[1 + floor(random() * 40)::int] AS first_name,
		   (ARRAY['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller',
			  'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez',
			  'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
			  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark',
			  'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King',
			  'Wright', 'Scott', 'Nguyen', 'Kowalski', 'Smithers', 'Goldsmith',
			  'Patel', 'Kim', 'Novak', 'Okafor', 'Schmidt', 'Murphy', 'Rossi',
			  'Cohen', 'Baker', 'Hill'])[1 + floor(random() * 50)::int] AS last_name,
		   (ARRAY['N Clark St', 'W Belmont Ave', 'S Halsted St', 'W Division St',
			  'N Milwaukee Ave', 'E 55th St', 'W Irving Park Rd', 'N Sheridan Rd'])
			[1 + floor(random() * 8)::int] AS street,
		   random() AS r_name, random() AS r_score, random() AS r_temp,
		   random() AS r_value, random() AS r_upd,
		   (ARRAY['new', 'new', 'new', 'contacted', 'contacted', 'qualified',
			  'qualified', 'booked', 'converted', 'lost'])
			[1 + floor(random() * 10)::int] AS status,
		   now() - random() * interval '365 days' AS created
	    FROM generate_series(1, 20000) AS n) drawn) timed;

-- Calls: one every ~5 minutes over the year, call 1 the newest. Seven in ten come from a
-- lead (inbound from, outbound to the lead's number); the rest from unknown numbers.
INSERT INTO calls (id, org_id, phone_number_id, provider, provider_call_id, direction,
		   from_number, to_number, status, started_at, answered_at, ended_at,
		   duration_seconds, recording_url, recording_status, transfer_to, transferred_at,
		   summary, sentiment_score, sentiment_label, urgency, value_cents, booked,
		   ended_reason, call_type, customer_type, call_purpose, lead_id, cost_cents,
		   created_at, updated_at)
SELECT ('b1000000-0000-4000-c000-' || lpad(to_hex(c.n), 12, '0'))::uuid,
       'b1000000-0000-4000-8000-000000000001',
       CASE WHEN c.n % 8 = 0 THEN 'b1000000-0000-4000-8000-000000000006'
	    ELSE 'b1000000-0000-4000-8000-000000000005' END::uuid,
       'twilio', 'CAbench' || c.n, c.direction,
       CASE WHEN c.direction = 'inbound' THEN coalesce(l.phone, c.stranger) ELSE c.line END,
       CASE WHEN c.direction = 'inbound' THEN c.line ELSE coalesce(l.phone, c.stranger) END,
       c.status, c.started_at,
       CASE WHEN c.talked THEN c.started_at + interval '4 seconds' END,
       CASE WHEN c.status <> 'in-progress'
	    THEN c.started_at + (c.seconds + 4) * interval '1 second' END,
       CASE WHEN c.status <> 'in-progress' THEN c.seconds END,
       CASE WHEN c.talked AND c.status <> 'in-progress'
	    THEN 'https://api.twilio.com/2010-04-01/Accounts/ACbench/Recordings/RE' || c.n END,
       CASE WHEN NOT c.talked OR c.status = 'in-progress' THEN 'none'
	    WHEN c.n <= 3 THEN 'processing' ELSE 'completed' END,
       CASE WHEN c.status = 'transferred' THEN '+13125550101' END,
       CASE WHEN c.status = 'transferred' THEN c.started_at + (c.seconds / 2) * interval '1 second' END,
       CASE WHEN c.talked THEN (ARRAY['Caller needs a clogged drain cleared; booked a visit.',
			     'No hot water; asked for a water heater repair estimate.',
			     'Active leak under the sink; urgent visit arranged.',
			     'Asked about prices for a new faucet and installation.',
			     'Existing customer confirming tomorrow''s appointment.',
			     'Sewer backup in the basement; transferred to the on-call technician.',
			     'Wanted a second opinion on repiping an old house.',
			     'Asked whether we service their suburb; we do.'])[1 + c.n % 8] END,
       CASE WHEN c.talked THEN round((c.r_mood * 2 - 1)::numeric, 2) END,
       CASE WHEN NOT c.talked THEN NULL WHEN c.r_mood < 0.15 THEN 'negative'
	    WHEN c.r_mood < 0.2 THEN 'mixed' WHEN c.r_mood < 0.55 THEN 'neutral'
	    ELSE 'positive' END,
       CASE WHEN NOT c.talked THEN NULL WHEN c.n % 23 = 0 THEN 'emergency'
	    WHEN c.n % 5 = 0 THEN 'high' WHEN c.n % 7 = 0 THEN 'low' ELSE 'normal' END,
       CASE WHEN c.talked AND c.n % 3 <> 0 THEN (9900 + (c.n * 37 % 300) * 1000)::bigint END,
       c.booked,
       CASE WHEN c.status = 'in-progress' THEN NULL WHEN c.talked THEN 'hangup'
	    ELSE replace(c.status, '-', '_') END,
       CASE WHEN c.talked THEN (ARRAY['service_request', 'quote', 'question', 'follow_up'])
			[1 + c.n % 4] END,
       CASE WHEN c.talked THEN CASE WHEN c.lead IS NULL THEN 'new' ELSE 'returning' END END,
       CASE WHEN c.booked THEN 'book a visit' WHEN c.talked THEN 'ask a question' END,
       l.id,
       (1 + c.seconds / 60) * 2,
       c.started_at, c.started_at + (c.seconds + 30) * interval '1 second'
FROM (SELECT d.*,
	     d.status IN ('completed', 'transferred', 'in-progress') AS talked,
	     d.status IN ('completed', 'transferred') AND d.direction = 'inbound'
		AND d.r_book < 0.22 AS booked,
	     CASE WHEN d.status IN ('completed', 'transferred', 'in-progress')
		  THEN 20 + floor(d.r_len * d.r_len * 900)::int ELSE 0 END AS seconds
      FROM (SELECT n,
		   CASE WHEN random() < 0.7 THEN 1 + floor(random() * 20000)::int END AS lead,
		   '+1' || (ARRAY['312', '773', '872', '224', '331'])[1 + floor(random() * 5)::int]
			|| lpad(floor(random() * 10000000)::text, 7, '0') AS stranger,
		   CASE WHEN n % 8 = 0 THEN '+13125557001' ELSE '+13125557000' END AS line,
		   CASE WHEN random() < 0.85 THEN 'inbound' ELSE 'outbound' END AS direction,
		   CASE WHEN n <= 2 THEN 'in-progress'
			ELSE (ARRAY['completed', 'completed', 'completed', 'completed', 'completed',
				    'completed', 'completed', 'completed', 'completed', 'completed',
				    'completed', 'completed', 'completed', 'completed', 'missed',
				    'missed', 'missed', 'no-answer', 'busy', 'transferred'])
				[1 + floor(random() * 20)::int]
			 END AS status,
		   now() - interval '365 days' * (n - 1 + random() * 0.9) / 100000
			- interval '10 seconds' AS started_at,
		   random() AS r_len, random() AS r_mood, random() AS r_book
	    FROM generate_series(1, 100000) AS n) d) c
LEFT JOIN leads l
       ON l.id = ('b1000000-0000-4000-a000-' || lpad(to_hex(c.lead), 12, '0'))::uuid;

-- A few failed and canceled calls too, the rarest filters of the list.
UPDATE calls SET status = CASE WHEN right(provider_call_id, 1) = '7' THEN 'failed' ELSE 'canceled' END,
		 answered_at = NULL, duration_seconds = 0, recording_url = NULL,
		 recording_status = 'none', summary = NULL, sentiment_score = NULL,
		 sentiment_label = NULL, urgency = NULL, value_cents = NULL, booked = false,
		 call_type = NULL, customer_type = NULL, call_purpose = NULL,
		 ended_at = started_at + interval '4 seconds', ended_reason = 'failed'
WHERE org_id = 'b1000000-0000-4000-8000-000000000001' AND status = 'missed'
  AND right(provider_call_id, 2) IN ('17', '33', '57', '91');

-- Transcripts for the newest 2,000 answered calls: greeting, request, answer.
INSERT INTO call_turns (org_id, call_id, seq, speaker, text, played_text, started_at, stt_ms,
			brain_first_token_ms, tts_first_audio_ms, total_ms, created_at)
SELECT c.org_id, c.id, t.seq, t.speaker, t.text,
       CASE WHEN t.speaker = 'assistant' AND t.seq = 2 AND c.duration_seconds % 9 = 0
	    THEN left(t.text, 30) WHEN t.speaker = 'assistant' THEN t.text END,
       c.started_at + (4 + t.seq * 6) * interval '1 second',
       CASE WHEN t.speaker = 'caller' THEN 180 + c.duration_seconds % 200 END,
       CASE WHEN t.speaker = 'assistant' AND t.seq > 0 THEN 250 + c.duration_seconds % 300 END,
       CASE WHEN t.speaker = 'assistant' THEN 120 + c.duration_seconds % 150 END,
       CASE WHEN t.seq > 0 THEN 700 + c.duration_seconds % 600 END,
       c.started_at + (5 + t.seq * 6) * interval '1 second'
FROM (SELECT * FROM calls
      WHERE org_id = 'b1000000-0000-4000-8000-000000000001' AND answered_at IS NOT NULL
      ORDER BY started_at DESC LIMIT 2000) c
CROSS JOIN LATERAL (VALUES
	(0, 'assistant', 'Thanks for calling Large Plumbing Co. How can I help you today?'),
	(1, 'caller', coalesce(c.summary, 'I have a question about a plumbing job.')),
	(2, 'assistant', CASE WHEN c.booked
			      THEN 'I can book that for you. We have a technician free tomorrow at nine; shall I put you down?'
			      ELSE 'I understand. Let me take your details and someone will call you back within the hour.' END))
	AS t (seq, speaker, text);

-- Appointments: ten one-hour slots a day (8 AM to 6 PM local), 240 days back to 60 days ahead;
-- distinct slots never overlap, so the exclusion constraint holds whatever the status.
INSERT INTO appointments (org_id, lead_id, service_id, customer_name, customer_phone, address,
			  starts_at, ends_at, status, notes, created_at)
SELECT 'b1000000-0000-4000-8000-000000000001', l.id, l.service_id,
       coalesce(l.name, 'Customer ' || right(l.phone, 4)), l.phone, l.address,
       a.starts_at, a.starts_at + interval '1 hour',
       CASE WHEN a.starts_at < now() THEN
		CASE WHEN a.r < 0.08 THEN 'cancelled' WHEN a.r < 0.12 THEN 'no_show' ELSE 'completed' END
	    ELSE CASE WHEN a.r < 0.06 THEN 'cancelled' WHEN a.r < 0.5 THEN 'confirmed'
		      ELSE 'scheduled' END END,
       CASE WHEN a.k % 4 = 0 THEN 'Gate code 1234; dog in the yard.' END,
       least(now(), a.starts_at) - a.r * interval '10 days'
FROM (SELECT k, r,
	     ((now() AT TIME ZONE 'America/Chicago')::date - 240 + k / 10 + (8 + k % 10) * interval '1 hour')
		AT TIME ZONE 'America/Chicago' AS starts_at,
	     1 + (k * 6151) % 20000 AS lead
      FROM (SELECT k, random() AS r FROM generate_series(0, 2999) AS k) s) a
JOIN leads l ON l.id = ('b1000000-0000-4000-a000-' || lpad(to_hex(a.lead), 12, '0'))::uuid;

INSERT INTO knowledge_entries (org_id, question, answer, tags, created_at, updated_at)
SELECT 'b1000000-0000-4000-8000-000000000001',
       (ARRAY['Do you service', 'What does it cost to fix', 'How long does it take to repair',
	      'Is there a warranty on', 'Can you come today for'])[1 + n % 5] || ' '
	|| (ARRAY['a clogged drain', 'a water heater', 'a burst pipe', 'a running toilet',
		  'a sewer line', 'a sump pump', 'a gas line', 'a garbage disposal'])[1 + n / 5 % 8]
	|| ' (' || n || ')?',
       'Yes. Our licensed plumbers handle this every day across Chicago and the suburbs. '
	|| 'A diagnostic visit is 79 dollars, credited toward the repair. Entry ' || n || '.',
       ARRAY['faq', 'entry ' || n], now() - n * interval '1 day', now() - n * interval '1 hour'
FROM generate_series(1, 200) AS n;

COMMIT;

-- Marks every page all-visible (index-only scans) and gives the planner the new sizes.
VACUUM (ANALYZE) organizations, users, services, leads, calls, call_turns, appointments,
	knowledge_entries, dashboard_buckets;

\endif
