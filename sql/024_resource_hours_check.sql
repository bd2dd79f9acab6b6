-- 024_resource_hours_check: the web front saves a resource's hours, and the check on them
-- (hours_shape_ok, sql/021) runs as the role that writes: it must be allowed to call it.

CALL revoke_public_execute();
GRANT EXECUTE ON FUNCTION hours_shape_ok(jsonb) TO switchboard_web;
