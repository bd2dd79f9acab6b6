-- 013_business_kinds.sql: what kind of business an organization is, so the receptionist speaks
-- its language (come out or come in, its emergencies) and a new business starts with the
-- services and answers of its trade. The per-kind data lives in lib/domain/business_kind.c.

ALTER TABLE organizations ADD COLUMN business_kind text NOT NULL DEFAULT 'plumber'
	CHECK (business_kind IN ('plumber', 'hvac', 'cleaning', 'dental', 'salon', 'auto_repair',
				 'law_office', 'veterinary', 'other'));
-- Every business so far is the plumbing demo's kind; a new one says what it is at sign-up.
ALTER TABLE organizations ALTER COLUMN business_kind SET DEFAULT 'other';
