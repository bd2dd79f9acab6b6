-- 015_sign_in_throttle: sign-in slows down repeated failures instead of locking the account, and
-- a password hash made with weaker parameters is replaced at the next successful sign-in.
--
-- A lock after five wrong passwords let anyone who knew an owner's email keep them out. Now the
-- failures are counted per key: an account from one address, an account from anywhere, one
-- address across accounts, and one known device (a signed cookie naming the user, given at a
-- successful sign-in). Past a key's limit each further try must wait 1, 2, 4 ... seconds (up to
-- a cap) after the last failure. A known device is judged by its own key alone, so failures from
-- elsewhere never keep the owner's own browser out.

-- Keys are stored as SHA-256 digests: the table holds no email or address in the clear.
CREATE TABLE sign_in_throttle (
	key_hash bytea PRIMARY KEY,
	failures integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
	last_failure_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_throttle_last_failure_idx ON sign_in_throttle (last_failure_at);

-- The digest of one key; kind is account-address, account, address or device.
CREATE FUNCTION sign_in_key(p_kind text, p_value text)
	RETURNS bytea
	LANGUAGE sql IMMUTABLE
	SET search_path = public, pg_temp
	AS $$
	SELECT sha256(convert_to(p_kind || chr(10) || p_value, 'UTF8'))
$$;

-- The keys one attempt counts against, each with its limit. Emails compare in any case, as
-- users.email (citext) does. A known device answers for itself alone.
CREATE FUNCTION sign_in_keys(p_email text, p_address text, p_device text, p_limit int)
	RETURNS TABLE (key_hash bytea, max_failures int)
	LANGUAGE sql IMMUTABLE
	SET search_path = public, pg_temp
	AS $$
	SELECT sign_in_key('device', p_device), p_limit WHERE p_device IS NOT NULL
	UNION ALL
	-- An office behind one address, or a user on many networks, gets more room than one
	-- account from one address: these catch spraying, that one guessing.
	SELECT k.h, k.l FROM (VALUES
		(sign_in_key('account-address', lower(p_email) || chr(10) || p_address), p_limit),
		(sign_in_key('account', lower(p_email)), p_limit * 4),
		(sign_in_key('address', p_address), p_limit * 10)) AS k (h, l)
	WHERE p_device IS NULL
$$;

-- Before checking a password: the seconds the caller must still wait (0: go ahead). Going
-- ahead counts the attempt as a failure at once, so that a burst of parallel guesses cannot
-- all slip through before the first failure is written; sign_in_succeeded() takes it back.
-- Failures a day old are forgotten.
CREATE FUNCTION sign_in_attempt(p_email text, p_address text, p_device text, p_limit int,
				p_cap_seconds int)
	RETURNS int
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
DECLARE
	v_keys bytea[];
	v_wait int;
BEGIN
	DELETE FROM sign_in_throttle WHERE last_failure_at < now() - interval '1 day';
	SELECT array_agg(k.key_hash ORDER BY k.key_hash) INTO v_keys
	FROM sign_in_keys(p_email, p_address, p_device, p_limit) k;
	INSERT INTO sign_in_throttle (key_hash)
	SELECT unnest(v_keys) ORDER BY 1
	ON CONFLICT (key_hash) DO NOTHING;
	-- In one order, so that two attempts sharing keys cannot deadlock.
	PERFORM 1 FROM sign_in_throttle WHERE key_hash = ANY (v_keys)
	ORDER BY key_hash FOR UPDATE;
	SELECT coalesce(max(ceil(extract(epoch FROM
			t.last_failure_at + make_interval(secs => least(p_cap_seconds,
				power(2, least(t.failures - k.max_failures, 30))))
			- clock_timestamp()))), 0)::int
	INTO v_wait
	FROM sign_in_throttle t
	JOIN sign_in_keys(p_email, p_address, p_device, p_limit) k ON k.key_hash = t.key_hash
	WHERE t.failures >= k.max_failures;
	IF v_wait > 0 THEN
		RETURN v_wait;
	END IF;
	UPDATE sign_in_throttle SET failures = failures + 1, last_failure_at = now()
	WHERE key_hash = ANY (v_keys);
	RETURN 0;
END
$$;

-- The password was wrong: the wait runs from now, when the answer goes out, not from when the
-- attempt began (checking a password takes a good part of a second).
CREATE FUNCTION sign_in_failed(p_email text, p_address text, p_device text, p_limit int)
	RETURNS void
	LANGUAGE sql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	UPDATE sign_in_throttle SET last_failure_at = now()
	WHERE key_hash IN (SELECT key_hash FROM sign_in_keys(p_email, p_address, p_device, p_limit))
$$;

-- The password was right: the account's failures from this address (or this device's) are
-- forgiven, and the attempt sign_in_attempt() counted is taken back from the wider keys.
CREATE FUNCTION sign_in_succeeded(p_email text, p_address text, p_device text, p_limit int)
	RETURNS void
	LANGUAGE sql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	DELETE FROM sign_in_throttle
	WHERE key_hash IN (sign_in_key('account-address', lower(p_email) || chr(10) || p_address),
			   sign_in_key('device', p_device));
	UPDATE sign_in_throttle SET failures = greatest(failures - 1, 0)
	WHERE key_hash IN (SELECT key_hash FROM sign_in_keys(p_email, p_address, p_device, p_limit))
	  AND p_device IS NULL;
$$;

-- Replace a verified password's hash with a stronger one, unless it changed meanwhile (a
-- password change in another tab wins).
CREATE FUNCTION auth_password_rehash(p_user_id uuid, p_old_hash text, p_new_hash text)
	RETURNS void
	LANGUAGE sql SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	UPDATE users SET password_hash = p_new_hash
	WHERE id = p_user_id AND password_hash = p_old_hash
$$;

-- Nobody stays locked out by the old rule; auth_login_failed() is no longer called.
UPDATE users SET failed_logins = 0, locked_until = NULL WHERE locked_until IS NOT NULL;
COMMENT ON FUNCTION auth_login_failed(uuid, int, interval) IS
	'unused since 015_sign_in_throttle: sign-in is slowed by sign_in_attempt(), never locked';

CALL revoke_public_execute();
GRANT EXECUTE ON FUNCTION
	sign_in_attempt(text, text, text, int, int),
	sign_in_failed(text, text, text, int),
	sign_in_succeeded(text, text, text, int),
	auth_password_rehash(uuid, text, text)
	TO switchboard_app;
