-- 026_account: an account its owner cannot be locked out of and others cannot get into:
-- password reset by email, email verification before a phone line, two-factor sign-in (TOTP).

-- A user's email is verified once a link sent to it was opened. Accounts made before this, the
-- demo's and those made by accepting an invitation (whose link went to that address) count as
-- verified: the default. Only a sign-up (signup_organization, below) starts unverified.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz DEFAULT now();

-- The owner can require two-factor sign-in of everyone on the team.
ALTER TABLE organizations ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false;

-- Single-use links sent by email. Only the SHA-256 of the token is stored, so a database
-- reader cannot use a link. email is the address the link went to: a verification counts only
-- while the user still has that address.
CREATE TABLE account_tokens (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	user_id uuid NOT NULL,
	purpose text NOT NULL CHECK (purpose IN ('password_reset', 'verify_email')),
	email citext NOT NULL,
	token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
	expires_at timestamptz NOT NULL,
	used_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, id),
	FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX account_tokens_user_idx ON account_tokens (org_id, user_id, purpose, created_at);
ALTER TABLE account_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON account_tokens
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());

-- A user's TOTP secret, sealed with ENCRYPTION_KEY (AES-256-GCM, bound to the business and the
-- user). enabled_at is NULL while the user is enrolling (no code confirmed yet). last_step is
-- the time step of the last code accepted: a code is good once, so no later code may be of
-- that step or an earlier one.
CREATE TABLE two_factor (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	user_id uuid NOT NULL,
	secret_enc bytea NOT NULL,
	enabled_at timestamptz,
	last_step bigint,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, user_id),
	FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
ALTER TABLE two_factor ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON two_factor
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());

-- Ten recovery codes per user, shown once, stored as SHA-256; each signs in once.
CREATE TABLE two_factor_recovery (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	org_id uuid NOT NULL REFERENCES organizations ON DELETE CASCADE,
	user_id uuid NOT NULL,
	code_hash text NOT NULL CHECK (code_hash ~ '^[0-9a-f]{64}$'),
	used_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (org_id, id),
	UNIQUE (org_id, user_id, code_hash),
	FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id) ON DELETE CASCADE
);
ALTER TABLE two_factor_recovery ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON two_factor_recovery
	USING (org_id = app_org_id()) WITH CHECK (org_id = app_org_id());

GRANT SELECT, INSERT, UPDATE, DELETE ON account_tokens, two_factor, two_factor_recovery
	TO switchboard_web;

-- As in 003, but the owner of a new sign-up has not verified the email yet.
CREATE OR REPLACE FUNCTION signup_organization(p_org_name text, p_timezone text,
					       p_email text, p_password_hash text)
	RETURNS TABLE (org_id uuid, user_id uuid)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
#variable_conflict use_column
DECLARE
	new_org uuid;
	new_user uuid;
BEGIN
	INSERT INTO organizations (name, timezone)
	VALUES (p_org_name, coalesce(p_timezone, 'America/New_York'))
	RETURNING id INTO new_org;
	INSERT INTO users (org_id, email, password_hash, role, email_verified_at)
	VALUES (new_org, p_email, p_password_hash, 'owner', NULL)
	RETURNING id INTO new_user;
	RETURN QUERY SELECT new_org, new_user;
END
$$;

-- What a link's token is, before anyone is signed in: 'open', 'used', 'expired', or no row.
CREATE FUNCTION account_token_state(p_purpose text, p_token_hash text)
	RETURNS TABLE (email text, state text)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	SELECT t.email::text,
	       CASE WHEN t.used_at IS NOT NULL THEN 'used'
		    WHEN t.expires_at <= now() THEN 'expired'
		    ELSE 'open' END
	FROM account_tokens t
	WHERE t.purpose = p_purpose AND t.token_hash = p_token_hash
$$;

-- Sets a new password by an open reset link: the link and every other open reset link of that
-- user stop working, and every session of the user ends (a new session version). Returns the
-- user, or no row when the link is unknown, used or expired (or the user's email changed).
CREATE FUNCTION password_reset_use(p_token_hash text, p_password_hash text)
	RETURNS TABLE (org_id uuid, user_id uuid)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
#variable_conflict use_column
DECLARE
	tok account_tokens%ROWTYPE;
BEGIN
	-- FOR UPDATE: two submissions of one link cannot both set a password.
	SELECT * INTO tok FROM account_tokens t
	WHERE t.purpose = 'password_reset' AND t.token_hash = p_token_hash
	  AND t.used_at IS NULL AND t.expires_at > now()
	FOR UPDATE;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	UPDATE account_tokens SET used_at = now()
	WHERE user_id = tok.user_id AND purpose = 'password_reset' AND used_at IS NULL;
	-- The link proves the address is the user's, so it also counts as verifying it.
	UPDATE users SET password_hash = p_password_hash,
			 session_version = session_version + 1,
			 email_verified_at = coalesce(email_verified_at, now())
	WHERE id = tok.user_id AND email = tok.email;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	INSERT INTO audit_log (org_id, user_id, action, target)
	VALUES (tok.org_id, tok.user_id, 'account.password_reset', tok.user_id::text);
	RETURN QUERY SELECT tok.org_id, tok.user_id;
END
$$;

-- Verifies an email by an open verification link (used once). Returns the user, or no row.
CREATE FUNCTION email_verify_use(p_token_hash text)
	RETURNS TABLE (org_id uuid, user_id uuid)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
#variable_conflict use_column
DECLARE
	tok account_tokens%ROWTYPE;
BEGIN
	SELECT * INTO tok FROM account_tokens t
	WHERE t.purpose = 'verify_email' AND t.token_hash = p_token_hash
	  AND t.used_at IS NULL AND t.expires_at > now()
	FOR UPDATE;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	UPDATE account_tokens SET used_at = now() WHERE id = tok.id;
	UPDATE users SET email_verified_at = coalesce(email_verified_at, now())
	WHERE id = tok.user_id AND email = tok.email;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	INSERT INTO audit_log (org_id, user_id, action, target)
	VALUES (tok.org_id, tok.user_id, 'account.email_verified', tok.user_id::text);
	RETURN QUERY SELECT tok.org_id, tok.user_id;
END
$$;

CALL revoke_public_execute();
GRANT EXECUTE ON FUNCTION
	signup_organization(text, text, text, text),
	account_token_state(text, text),
	password_reset_use(text, text),
	email_verify_use(text)
	TO switchboard_web;
