-- Every change that can end a session's use (a revocation, an expiry change, a deactivation, a
-- role or password change) announces the user's id on the channel opsgraph_sessions, at commit.
-- Servers that remember recent session checks forget that user's sessions when they hear it.
-- The trigger's argument names the column holding the user's id.
CREATE FUNCTION auth.notify_session_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM pg_notify('opsgraph_sessions', to_jsonb(OLD) ->> TG_ARGV[0]);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM pg_notify('opsgraph_sessions', to_jsonb(NEW) ->> TG_ARGV[0]);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER sessions_notify_change
  AFTER UPDATE OF revoked_at, expires_at, user_id OR DELETE ON auth.sessions
  FOR EACH ROW EXECUTE FUNCTION auth.notify_session_change('user_id');

CREATE TRIGGER users_notify_change
  AFTER UPDATE OF is_active, credentials_changed_at, organisation_id OR DELETE ON auth.users
  FOR EACH ROW EXECUTE FUNCTION auth.notify_session_change('id');

CREATE TRIGGER user_roles_notify_change
  AFTER INSERT OR UPDATE OR DELETE ON auth.user_roles
  FOR EACH ROW EXECUTE FUNCTION auth.notify_session_change('user_id');
