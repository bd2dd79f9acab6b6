-- 008_team: what the team and invitation pages need: reading an invitation by its token before any org is known, and a guard that keeps every organization with an owner.

-- The invitation a link names, for the signed-out accept page. state is
-- 'open', 'used' or 'expired', so the page can say which instead of a bare
-- "not found". No row: no invitation was ever made with this token.
CREATE FUNCTION invite_by_token(p_token_hash text)
	RETURNS TABLE (email citext, role text, org_name text, state text)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = public, pg_temp
	AS $$
	SELECT i.email, i.role, o.name,
	       CASE WHEN i.accepted_at IS NOT NULL THEN 'used'
		    WHEN i.expires_at <= now() THEN 'expired'
		    ELSE 'open' END
	FROM invites i JOIN organizations o ON o.id = i.org_id
	WHERE i.token_hash = p_token_hash
$$;

-- Refuses to demote or delete an organization's last owner. The organization
-- row is locked first, so two owners demoting each other at the same moment
-- are serialized and the second sees the first's change. When the
-- organization itself is being deleted its row is already gone and the
-- cascade goes ahead. Runs as the caller: under RLS it sees the caller's org.
CREATE FUNCTION users_keep_an_owner() RETURNS trigger
	LANGUAGE plpgsql
	AS $$
BEGIN
	IF OLD.role <> 'owner' OR (TG_OP = 'UPDATE' AND NEW.role = 'owner') THEN
		RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
	END IF;
	PERFORM 1 FROM organizations o WHERE o.id = OLD.org_id FOR UPDATE;
	IF FOUND AND NOT EXISTS (SELECT 1 FROM users u
				 WHERE u.org_id = OLD.org_id AND u.role = 'owner'
				   AND u.id <> OLD.id) THEN
		RAISE EXCEPTION 'the organization must keep at least one owner'
			USING ERRCODE = 'check_violation', COLUMN = 'role';
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER users_keep_an_owner
	BEFORE UPDATE OF role OR DELETE ON users
	FOR EACH ROW EXECUTE FUNCTION users_keep_an_owner();

-- The team page lists pending invitations newest first.
CREATE INDEX invites_org_pending_idx ON invites (org_id, created_at DESC)
	WHERE accepted_at IS NULL;

CALL revoke_public_execute();
GRANT EXECUTE ON FUNCTION invite_by_token(text) TO switchboard_app;
