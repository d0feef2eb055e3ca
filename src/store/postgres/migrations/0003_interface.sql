-- PostgreSQL schema version 3: logins reach the model through functions only.
--
-- Version 2 let every login query and change proj's tables directly, under row-level security
-- and guard triggers. That left roads the rules did not cover: a login's own planner
-- (`EXPLAIN ANALYZE` counts the hidden rows a filter removes), its own temporary objects
-- (which a function's search_path reached before proj's), explicit ids, table locks, and an
-- audit log anyone could append to. From this version on:
--
-- - Nobody but the schema's owner holds any privilege on a table or sequence of `proj`. A
--   login reads through `r_*` functions and changes through `w_*` functions: SECURITY
--   DEFINER, so the planner that reaches a hidden row is the function's, never the login's;
--   each returns or touches only what the access model lets the login see, and a row it may
--   not see is answered exactly as a row that does not exist.
-- - Every function pins `search_path = proj, pg_catalog, pg_temp`: temporary objects come
--   last and can shadow nothing.
-- - The guard triggers of version 2 still decide every change, for the session's login.
-- - The database keeps its own record of what each transaction changed (`pending`) and
--   removed (`removals`), written by triggers from the rows themselves. An event can only be recorded by a transaction that changed the
--   model in that organization, and a transaction that changes an organization cannot commit
--   without an event there: no silent change, no event from nothing. Restore re-creates only
--   rows that the database recorded as removed by the event's own transaction, with the
--   values they had; who may read a removed organization's history comes from that record
--   too, never from what an event says.
-- - Ids come from the sequences (GENERATED ALWAYS); only restore, from that record, gives
--   a row its old id back.
-- - Writers of one organization take turns on that organization's row, locked inside the
--   write functions and only for a login that belongs there: nobody outside an organization
--   can make its writers (or anyone's readers) wait.
-- - An organization created on the server has an owner from the moment it commits: the
--   login that created it.

-- Where each function looks names up: proj first, the catalog, the login's temporary schema
-- last (where it can shadow nothing).
DO $$
DECLARE
    f record;
BEGIN
    FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
             WHERE p.pronamespace = 'proj'::regnamespace LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = proj, pg_catalog, pg_temp', f.sig);
    END LOOP;
END
$$;

-- Ids from the sequences only.
ALTER TABLE orgs ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE projects ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE environments ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE resources ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE members ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE teams ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE grants ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE events ALTER COLUMN id SET GENERATED ALWAYS;

-- The transaction that wrote each event (stamped, like its actor and time).
ALTER TABLE events ADD COLUMN xact xid8;
CREATE INDEX events_by_xact ON events (xact);

-- The database's own record of what each transaction removed: the whole row as it was.
CREATE TABLE removals (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xact   xid8 NOT NULL,
    tbl    text NOT NULL,
    org_id bigint,
    old    jsonb NOT NULL
);
CREATE INDEX removals_by_xact ON removals (xact, tbl);
CREATE INDEX removals_of_orgs ON removals (((old ->> 'id')::bigint)) WHERE tbl = 'orgs';

-- The organizations the running transaction changed, for `record` and the check at commit.
CREATE TABLE pending (
    xact   xid8 NOT NULL,
    org_id bigint NOT NULL,
    PRIMARY KEY (xact, org_id)
);

-- The restore a transaction runs (`w_restore_begin`): which event it works from.
CREATE TABLE restores (
    xact     xid8 PRIMARY KEY,
    event_id bigint NOT NULL
);

CREATE FUNCTION is_superuser() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = session_user AND rolsuper)
$$;

-- Held to nothing here: superusers (who could switch it off) and the schema's owner (who owns
-- the tables), neither of whom anyone should work as.
CREATE FUNCTION unbound() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
SELECT is_superuser() OR owns_schema()
$$;

-- The organization of a row of `tbl`, as far as it still exists.
CREATE FUNCTION row_org(tbl text, r jsonb) RETURNS bigint LANGUAGE sql STABLE
SET search_path = proj, pg_catalog, pg_temp AS $$
SELECT CASE tbl
    WHEN 'orgs' THEN (r ->> 'id')::bigint
    WHEN 'projects' THEN (r ->> 'org_id')::bigint
    WHEN 'members' THEN (r ->> 'org_id')::bigint
    WHEN 'teams' THEN (r ->> 'org_id')::bigint
    WHEN 'environments' THEN (SELECT org_id FROM projects WHERE id = (r ->> 'project_id')::bigint)
    WHEN 'grants' THEN (SELECT org_id FROM projects WHERE id = (r ->> 'project_id')::bigint)
    WHEN 'resources' THEN (SELECT p.org_id FROM environments e JOIN projects p ON p.id = e.project_id
                           WHERE e.id = (r ->> 'environment_id')::bigint)
    WHEN 'team_members' THEN (SELECT org_id FROM teams WHERE id = (r ->> 'team_id')::bigint)
END
$$;

-- Every statement that changes the model notes the organizations it changed, and keeps what
-- it removed (transition tables: once per statement, not per row).
CREATE FUNCTION log_changes() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        WITH r AS (
            SELECT row_org(TG_TABLE_NAME, to_jsonb(o)) AS org_id, to_jsonb(o) AS old
            FROM old_rows o
        ), kept AS (
            INSERT INTO removals (xact, tbl, org_id, old)
            SELECT pg_current_xact_id(), TG_TABLE_NAME, r.org_id, r.old FROM r
        )
        INSERT INTO pending (xact, org_id)
        SELECT DISTINCT pg_current_xact_id(), r.org_id FROM r WHERE r.org_id IS NOT NULL
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO pending (xact, org_id)
        SELECT DISTINCT pg_current_xact_id(), row_org(TG_TABLE_NAME, to_jsonb(n))
        FROM new_rows n
        WHERE row_org(TG_TABLE_NAME, to_jsonb(n)) IS NOT NULL
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['orgs', 'projects', 'environments', 'resources', 'members',
                             'teams', 'team_members', 'grants'] LOOP
        EXECUTE format('CREATE TRIGGER log_inserts AFTER INSERT ON %I
                        REFERENCING NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION log_changes()', t);
        EXECUTE format('CREATE TRIGGER log_updates AFTER UPDATE ON %I
                        REFERENCING NEW TABLE AS new_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION log_changes()', t);
        EXECUTE format('CREATE TRIGGER log_deletes AFTER DELETE ON %I
                        REFERENCING OLD TABLE AS old_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION log_changes()', t);
    END LOOP;
END
$$;

-- How an organization came to be in the running transaction: created (its creator must be
-- its owner), restored (its owners come back with their logins), or given its first member.
ALTER TABLE org_creations ADD COLUMN how text NOT NULL DEFAULT 'created';

-- At commit: every organization the transaction changed has an event of it, and every
-- organization it created has an owner who acts by a login (`org add` and `init` make it
-- the creator; `apply` the owners its file names, the applier among them when they have no
-- login yet). A restored one comes back as it was removed. So no organization on a server is
-- without an owner, nor open for anyone to claim.
CREATE FUNCTION check_pending() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM pending WHERE xact = NEW.xact AND org_id = NEW.org_id;
    IF unbound() OR NOT EXISTS (SELECT 1 FROM orgs WHERE id = NEW.org_id) THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM events WHERE xact = NEW.xact AND org_id = NEW.org_id) THEN
        RAISE EXCEPTION 'a change to the model is recorded in the audit log'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'change the model with proj, which records every change';
    END IF;
    IF EXISTS (SELECT 1 FROM org_creations c
               WHERE c.org_id = NEW.org_id AND c.xact = NEW.xact AND c.how = 'created')
       AND NOT EXISTS (SELECT 1 FROM members m
                       WHERE m.org_id = NEW.org_id AND m.role = 'owner'
                         AND m.login IS NOT NULL) THEN
        RAISE EXCEPTION 'an organization starts with its owner: the login that creates it'
            USING ERRCODE = 'check_violation',
                  HINT = 'proj org add NAME --user EMAIL, or proj init, makes you its owner';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER check_pending AFTER INSERT ON pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_pending();

-- The first member of an organization without members claims it.
CREATE OR REPLACE FUNCTION guard_members() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM require('member.add', NEW.org_id, NULL, NULL, NEW.role = 'owner',
                        'members', 'members_org_id_fkey', 'orgs');
        IF standing(NEW.org_id) = 'no-members' THEN
            INSERT INTO org_creations (org_id, xact, how)
            VALUES (NEW.org_id, pg_current_xact_id(), 'claimed')
            ON CONFLICT (org_id) DO UPDATE SET xact = EXCLUDED.xact, how = EXCLUDED.how;
        END IF;
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.org_id <> OLD.org_id OR NEW.id <> OLD.id THEN
            RAISE EXCEPTION 'a member stays in their organization'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        PERFORM require('member.role', OLD.org_id, NULL, NULL,
                        OLD.role = 'owner' OR NEW.role = 'owner',
                        NULL, NULL, NULL);
        RETURN NEW;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM orgs WHERE id = OLD.org_id) THEN
        RETURN OLD;
    END IF;
    PERFORM require('member.remove', OLD.org_id, NULL, NULL, OLD.role = 'owner',
                    NULL, NULL, NULL);
    RETURN OLD;
END
$$;

CREATE OR REPLACE FUNCTION note_creation() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO org_creations (org_id, xact, how) VALUES (NEW.id, pg_current_xact_id(), 'created')
    ON CONFLICT (org_id) DO UPDATE SET xact = EXCLUDED.xact, how = EXCLUDED.how;
    RETURN NULL;
END
$$;

-- Events: stamped with the transaction too.
CREATE OR REPLACE FUNCTION stamp_event() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    NEW.actor := session_user;
    NEW.at := clock();
    NEW.xact := pg_current_xact_id();
    RETURN NEW;
END
$$;

-- Records an event: only in an organization the running transaction changed, in the login's
-- name, at the server's time.
CREATE OR REPLACE FUNCTION record(a_action text, a_org bigint, a_project bigint, a_target text,
                                  a_before jsonb, a_after jsonb)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    IF a_org IS NULL
       OR NOT EXISTS (SELECT 1 FROM pending p
                      WHERE p.xact = pg_current_xact_id_if_assigned() AND p.org_id = a_org) THEN
        RAISE EXCEPTION 'an event records a change this transaction made'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO events (at, actor, action, org_id, project_id, target, before, after)
    VALUES (clock(), session_user, a_action, a_org, a_project, a_target, a_before, a_after)
    RETURNING events.id INTO new_id;
    RETURN new_id;
END
$$;

-- Who may read the events of removed organization `o`: those who were its owners and admins
-- when it was removed (anyone, if it had none then, or if no organization has members now),
-- as the database recorded the removal — not as any event tells it.
CREATE OR REPLACE FUNCTION saw_removed_org(o bigint) RETURNS boolean LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
WITH removal AS (
    SELECT c.xact FROM removals c
    WHERE c.tbl = 'orgs' AND (c.old ->> 'id')::bigint = o
    ORDER BY c.id DESC LIMIT 1
)
SELECT NOT EXISTS (SELECT 1 FROM members) OR coalesce((
    SELECT NOT EXISTS (SELECT 1 FROM removals m
                       WHERE m.xact = r.xact AND m.tbl = 'members' AND m.org_id = o)
        OR EXISTS (SELECT 1 FROM removals m
                   WHERE m.xact = r.xact AND m.tbl = 'members' AND m.org_id = o
                     AND m.old ->> 'login' = session_user
                     AND m.old ->> 'role' IN ('owner', 'admin'))
    FROM removal r), false)
$$;

-- The SQL guard holds the CLI's rule for kind and protection: a production environment is
-- protected unless someone who may protect and unprotect says otherwise.
CREATE OR REPLACE FUNCTION guard_environments() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    o bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        o := project_org(NEW.project_id);
        PERFORM require('env.add', o, NEW.project_id, NULL, false,
                        'environments', 'environments_project_id_fkey', 'projects');
        IF NEW.kind = 'production' AND NOT NEW.protected THEN
            PERFORM require('env.protect', o, NEW.project_id, NULL, false, NULL, NULL, NULL);
        END IF;
        RETURN NEW;
    END IF;
    o := project_org(OLD.project_id);
    IF TG_OP = 'UPDATE' THEN
        IF NEW.project_id <> OLD.project_id OR NEW.id <> OLD.id THEN
            RAISE EXCEPTION 'an environment stays in its project'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.protected IS DISTINCT FROM OLD.protected
           OR (NEW.kind = 'production' AND OLD.kind <> 'production' AND NOT NEW.protected) THEN
            PERFORM require('env.protect', o, OLD.project_id, OLD.id, false,
                            NULL, NULL, NULL);
        END IF;
        IF (NEW.slug, NEW.display_name, NEW.kind, NEW.description, NEW.archived_at,
            NEW.created_at)
           IS DISTINCT FROM
           (OLD.slug, OLD.display_name, OLD.kind, OLD.description, OLD.archived_at,
            OLD.created_at) THEN
            PERFORM require('env.update', o, OLD.project_id, OLD.id, false,
                            NULL, NULL, NULL);
        END IF;
        RETURN NEW;
    END IF;
    IF o IS NULL THEN
        RETURN OLD; -- removed with its project
    END IF;
    PERFORM require('env.remove', o, OLD.project_id, OLD.id, false,
                    NULL, NULL, NULL);
    RETURN OLD;
END
$$;

-- Names: whether organization name `name` (o NULL) is taken anywhere — what `proj org add`
-- answers anyone — or project name `name` in organization `o`, for a login that may add or
-- rename projects there (what `project add` and `project rename` answer it: a hidden name is
-- "not available"); for anyone else, no answer (NULL).
CREATE OR REPLACE FUNCTION name_taken(o bigint, name text) RETURNS boolean LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
SELECT CASE WHEN o IS NULL THEN EXISTS (SELECT 1 FROM orgs WHERE slug = name)
            WHEN unbound() OR allowed(decide('project.add', o, NULL, NULL, false))
                 OR EXISTS (SELECT 1 FROM projects p
                            WHERE p.org_id = o AND p.id IN (SELECT granted_projects())
                              AND allowed(decide('project.update', o, p.id, NULL, false)))
                THEN EXISTS (SELECT 1 FROM projects WHERE org_id = o AND slug = name)
       END
$$;

-- What the login sees, as sets (version 2's policies, unchanged) — here for the readers.
CREATE FUNCTION visible_envs() RETURNS SETOF bigint LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
SELECT e.id FROM environments e WHERE e.project_id IN (SELECT readable_projects())
$$;

-- A missing (or hidden: the same) row something refers to.
CREATE FUNCTION missing(tbl text, fk text, fk_table text) RETURNS void LANGUAGE plpgsql
SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"', tbl, fk
        USING ERRCODE = 'foreign_key_violation',
              DETAIL = format('Key is not present in table "%s".', fk_table);
END
$$;

-- The write lock of organization `o`: writers of one organization take turns. Taken only by
-- a login that acts there (a member, or anyone while it has no members): nobody else can
-- hold it.
CREATE FUNCTION lock_org(o bigint) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    IF o IS NOT NULL AND (unbound() OR standing(o) <> 'outsider') THEN
        PERFORM 1 FROM orgs WHERE id = o FOR NO KEY UPDATE;
    END IF;
END
$$;

-- Reading: one function per table, each returning the rows the login may see, narrowed by
-- whichever keys are given. A row it may not see is not there.

CREATE FUNCTION r_orgs(p_id bigint DEFAULT NULL, p_slug text DEFAULT NULL)
RETURNS SETOF orgs LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 10
SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    -- Once per call, not per row.
    u boolean := unbound();
BEGIN
    RETURN QUERY SELECT o.* FROM orgs o
        WHERE (p_id IS NULL OR o.id = p_id) AND (p_slug IS NULL OR o.slug = p_slug)
          AND (u OR o.id IN (SELECT readable_orgs()));
END
$$;

CREATE FUNCTION r_projects(p_org bigint DEFAULT NULL, p_id bigint DEFAULT NULL,
                           p_slug text DEFAULT NULL)
RETURNS SETOF projects LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20
SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    -- Once per call, not per row.
    u boolean := unbound();
BEGIN
    RETURN QUERY SELECT p.* FROM projects p
        WHERE (p_org IS NULL OR p.org_id = p_org) AND (p_id IS NULL OR p.id = p_id)
          AND (p_slug IS NULL OR p.slug = p_slug)
          AND (u OR p.org_id IN (SELECT whole_orgs())
               OR p.id IN (SELECT granted_projects()));
END
$$;

CREATE FUNCTION r_environments(p_project bigint DEFAULT NULL, p_org bigint DEFAULT NULL,
                               p_id bigint DEFAULT NULL)
RETURNS SETOF environments LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20
SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    -- Once per call, not per row.
    u boolean := unbound();
BEGIN
    IF p_org IS NOT NULL THEN
        RETURN QUERY SELECT e.* FROM environments e JOIN projects p ON p.id = e.project_id
            WHERE p.org_id = p_org AND (p_project IS NULL OR e.project_id = p_project)
              AND (p_id IS NULL OR e.id = p_id)
              AND (u OR e.project_id IN (SELECT readable_projects()));
    ELSE
        RETURN QUERY SELECT e.* FROM environments e
            WHERE (p_project IS NULL OR e.project_id = p_project)
              AND (p_id IS NULL OR e.id = p_id)
              AND (u OR e.project_id IN (SELECT readable_projects()));
    END IF;
END
$$;

CREATE FUNCTION r_resources(p_env bigint DEFAULT NULL, p_project bigint DEFAULT NULL,
                            p_org bigint DEFAULT NULL)
RETURNS SETOF resources LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20
SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    -- Once per call, not per row.
    u boolean := unbound();
BEGIN
    IF p_env IS NOT NULL THEN
        RETURN QUERY SELECT r.* FROM resources r
            WHERE r.environment_id = p_env
              AND (u OR r.environment_id IN (SELECT visible_envs()));
    ELSE
        RETURN QUERY SELECT r.* FROM resources r
            JOIN environments e ON e.id = r.environment_id
            JOIN projects p ON p.id = e.project_id
            WHERE (p_project IS NULL OR e.project_id = p_project)
              AND (p_org IS NULL OR p.org_id = p_org)
              AND (u OR e.project_id IN (SELECT readable_projects()));
    END IF;
END
$$;

CREATE FUNCTION r_members(p_org bigint DEFAULT NULL, p_email text DEFAULT NULL,
                          p_login text DEFAULT NULL, p_id bigint DEFAULT NULL)
RETURNS SETOF members LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20
SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    -- Once per call, not per row.
    u boolean := unbound();
BEGIN
    RETURN QUERY SELECT m.* FROM members m
        WHERE (p_org IS NULL OR m.org_id = p_org) AND (p_email IS NULL OR m.email = p_email)
          AND (p_login IS NULL OR m.login = p_login) AND (p_id IS NULL OR m.id = p_id)
          AND (u OR m.org_id IN (SELECT readable_orgs()));
END
$$;

-- Whether any organization has members at all (a database without any has one owner).
CREATE FUNCTION r_any_members() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
SELECT EXISTS (SELECT 1 FROM members)
$$;

CREATE FUNCTION r_teams(p_org bigint DEFAULT NULL, p_id bigint DEFAULT NULL)
RETURNS SETOF teams LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 10
SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    -- Once per call, not per row.
    u boolean := unbound();
BEGIN
    RETURN QUERY SELECT t.* FROM teams t
        WHERE (p_org IS NULL OR t.org_id = p_org) AND (p_id IS NULL OR t.id = p_id)
          AND (u OR t.org_id IN (SELECT readable_orgs()));
END
$$;

CREATE FUNCTION r_team_members(p_team bigint DEFAULT NULL, p_member bigint DEFAULT NULL,
                               p_org bigint DEFAULT NULL)
RETURNS SETOF team_members LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20
SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    -- Once per call, not per row.
    u boolean := unbound();
BEGIN
    RETURN QUERY SELECT tm.* FROM team_members tm JOIN teams t ON t.id = tm.team_id
        WHERE (p_team IS NULL OR tm.team_id = p_team)
          AND (p_member IS NULL OR tm.member_id = p_member)
          AND (p_org IS NULL OR t.org_id = p_org)
          AND (u OR t.org_id IN (SELECT readable_orgs()));
END
$$;

CREATE FUNCTION r_grants(p_project bigint DEFAULT NULL, p_org bigint DEFAULT NULL,
                         p_member bigint DEFAULT NULL, p_team bigint DEFAULT NULL)
RETURNS SETOF grants LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 20
SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    -- Once per call, not per row.
    u boolean := unbound();
BEGIN
    RETURN QUERY SELECT g.* FROM grants g JOIN projects p ON p.id = g.project_id
        WHERE (p_project IS NULL OR g.project_id = p_project)
          AND (p_org IS NULL OR p.org_id = p_org)
          AND (p_member IS NULL OR g.member_id = p_member
               OR g.team_id IN (SELECT tm.team_id FROM team_members tm
                                WHERE tm.member_id = p_member))
          AND (p_team IS NULL OR g.team_id = p_team)
          AND (u OR g.project_id IN (SELECT readable_projects()));
END
$$;

CREATE FUNCTION r_selection() RETURNS SETOF selection LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
SELECT s.* FROM selection s WHERE s.login = session_user
$$;

-- The audit log as the login may read it (what `proj log` shows): the events it may see,
-- with what lies in projects hidden from it taken out of their snapshots (version 2's view
-- `event_log`, which this replaces). `p_lifecycle`: only the adds, removals and restores of
-- organizations and projects.
CREATE FUNCTION r_events(p_org bigint DEFAULT NULL, p_project bigint DEFAULT NULL,
                         p_before bigint DEFAULT NULL, p_limit bigint DEFAULT NULL,
                         p_id bigint DEFAULT NULL, p_lifecycle boolean DEFAULT false)
RETURNS TABLE (id bigint, at timestamptz, actor text, action text, org_id bigint,
               project_id bigint, target text, before jsonb, after jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50
SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    all_of_it boolean := unbound();
BEGIN
    RETURN QUERY
    SELECT e.id, e.at, e.actor, e.action, e.org_id, e.project_id, e.target,
           CASE WHEN w.whole THEN e.before ELSE shown(e.before) END,
           CASE WHEN w.whole THEN e.after ELSE shown(e.after) END
    FROM events e
    CROSS JOIN LATERAL (
        SELECT all_of_it OR e.org_id IS NULL OR e.org_id IN (SELECT whole_orgs())
            OR org_gone(e.org_id) AS whole
    ) w
    WHERE (p_id IS NULL OR e.id = p_id)
      AND (p_org IS NULL OR e.org_id = p_org)
      AND (p_project IS NULL OR e.project_id = p_project)
      AND (p_before IS NULL OR e.id < p_before)
      AND (NOT p_lifecycle OR e.action IN ('org.add', 'org.remove', 'org.restore',
                                           'project.add', 'project.remove', 'project.restore'))
      AND (all_of_it
           OR e.org_id IS NULL
           OR e.org_id IN (SELECT whole_orgs())
           OR (e.project_id IS NULL AND e.org_id IN (SELECT readable_orgs()))
           OR e.project_id IN (SELECT readable_projects())
           OR (org_gone(e.org_id) AND saw_removed_org(e.org_id)))
    ORDER BY e.id DESC
    LIMIT p_limit;
END
$$;

-- The events a login sees whole, as rows (what a backup copies).
CREATE FUNCTION r_event_rows() RETURNS SETOF events LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    u boolean := unbound();
BEGIN
    RETURN QUERY
    SELECT e.* FROM events e
    WHERE u
       OR e.org_id IS NULL
       OR e.org_id IN (SELECT whole_orgs())
       OR (org_gone(e.org_id) AND saw_removed_org(e.org_id))
       OR (((e.project_id IS NULL AND e.org_id IN (SELECT readable_orgs()))
            OR e.project_id IN (SELECT readable_projects()))
           AND shown(e.before) IS NOT DISTINCT FROM e.before
           AND shown(e.after) IS NOT DISTINCT FROM e.after);
END
$$;

-- Writing: one function per change. Each finds the row as the login sees it (a row it may
-- not see is not there: nothing changes, as for one that does not exist), takes its
-- organization's write lock, and changes it; the guard triggers decide whether the login may.

CREATE FUNCTION w_selection_save(p_org bigint, p_project bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    IF p_org IS NOT NULL AND NOT EXISTS (SELECT 1 FROM r_orgs(p_id => p_org)) THEN
        p_org := NULL;
    END IF;
    IF p_project IS NOT NULL AND NOT EXISTS (SELECT 1 FROM r_projects(p_id => p_project)) THEN
        p_project := NULL;
    END IF;
    INSERT INTO selection (login, org_id, project_id) VALUES (session_user, p_org, p_project)
    ON CONFLICT (login) DO UPDATE SET org_id = p_org, project_id = p_project;
END
$$;

CREATE FUNCTION w_org_insert(p_slug text, p_display_name text, p_created_at timestamptz)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO orgs (slug, display_name, created_at) VALUES (p_slug, p_display_name, p_created_at)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

CREATE FUNCTION w_org_update(p_id bigint, p_slug text, p_display_name text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_orgs(p_id => p_id)) THEN
        RETURN 0;
    END IF;
    PERFORM lock_org(p_id);
    UPDATE orgs SET slug = p_slug, display_name = p_display_name WHERE id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_org_delete(p_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_orgs(p_id => p_id)) THEN
        RETURN 0;
    END IF;
    PERFORM lock_org(p_id);
    DELETE FROM orgs WHERE id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_project_insert(p_org bigint, p_slug text, p_display_name text,
                                 p_description text, p_created_at timestamptz)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_orgs(p_id => p_org)) THEN
        PERFORM missing('projects', 'projects_org_id_fkey', 'orgs');
    END IF;
    PERFORM lock_org(p_org);
    INSERT INTO projects (org_id, slug, display_name, description, created_at)
    VALUES (p_org, p_slug, p_display_name, p_description, p_created_at)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

CREATE FUNCTION w_project_update(p_id bigint, p_slug text, p_display_name text,
                                 p_description text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_projects(p_id => p_id)) THEN
        RETURN 0;
    END IF;
    PERFORM lock_org(project_org(p_id));
    UPDATE projects SET slug = p_slug, display_name = p_display_name, description = p_description
    WHERE id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_project_delete(p_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_projects(p_id => p_id)) THEN
        RETURN 0;
    END IF;
    PERFORM lock_org(project_org(p_id));
    DELETE FROM projects WHERE id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_env_insert(p_project bigint, p_slug text, p_display_name text, p_kind text,
                             p_description text, p_protected boolean, p_created_at timestamptz)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_projects(p_id => p_project)) THEN
        PERFORM missing('environments', 'environments_project_id_fkey', 'projects');
    END IF;
    PERFORM lock_org(project_org(p_project));
    INSERT INTO environments (project_id, slug, display_name, kind, description, protected,
                              created_at)
    VALUES (p_project, p_slug, p_display_name, p_kind, p_description, p_protected, p_created_at)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

CREATE FUNCTION w_env_update(p_id bigint, p_slug text, p_display_name text, p_kind text,
                             p_description text, p_protected boolean, p_archived_at timestamptz)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_environments(p_id => p_id)) THEN
        RETURN 0;
    END IF;
    PERFORM lock_org(project_org(env_project(p_id)));
    UPDATE environments SET slug = p_slug, display_name = p_display_name, kind = p_kind,
           description = p_description, protected = p_protected, archived_at = p_archived_at
    WHERE id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_env_delete(p_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_environments(p_id => p_id)) THEN
        RETURN 0;
    END IF;
    PERFORM lock_org(project_org(env_project(p_id)));
    DELETE FROM environments WHERE id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_resource_insert(p_env bigint, p_slug text, p_type text, p_description text,
                                  p_created_at timestamptz)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_environments(p_id => p_env)) THEN
        PERFORM missing('resources', 'resources_environment_id_fkey', 'environments');
    END IF;
    PERFORM lock_org(project_org(env_project(p_env)));
    INSERT INTO resources (environment_id, slug, type, description, created_at)
    VALUES (p_env, p_slug, p_type, p_description, p_created_at)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

CREATE FUNCTION w_resource_update(p_id bigint, p_env bigint, p_slug text, p_type text,
                                  p_description text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
    cur bigint;
BEGIN
    SELECT r.environment_id INTO cur FROM resources r
    WHERE r.id = p_id AND r.environment_id IN (SELECT visible_envs());
    IF cur IS NULL AND NOT unbound() THEN
        RETURN 0;
    END IF;
    IF p_env IS DISTINCT FROM cur AND NOT EXISTS (SELECT 1 FROM r_environments(p_id => p_env)) THEN
        PERFORM missing('resources', 'resources_environment_id_fkey', 'environments');
    END IF;
    PERFORM lock_org(project_org(env_project(p_env)));
    UPDATE resources SET environment_id = p_env, slug = p_slug, type = p_type,
           description = p_description
    WHERE id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_resource_delete(p_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
    cur bigint;
BEGIN
    SELECT r.environment_id INTO cur FROM resources r
    WHERE r.id = p_id AND (unbound() OR r.environment_id IN (SELECT visible_envs()));
    IF cur IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM lock_org(project_org(env_project(cur)));
    DELETE FROM resources WHERE id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_member_insert(p_org bigint, p_email text, p_name text, p_role text,
                                p_created_at timestamptz)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_orgs(p_id => p_org)) THEN
        PERFORM missing('members', 'members_org_id_fkey', 'orgs');
    END IF;
    PERFORM lock_org(p_org);
    INSERT INTO members (org_id, email, name, role, created_at)
    VALUES (p_org, p_email, p_name, p_role, p_created_at)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

CREATE FUNCTION member_org(p_id bigint) RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
SELECT m.org_id FROM members m
WHERE m.id = p_id AND (unbound() OR m.org_id IN (SELECT readable_orgs()))
$$;

CREATE FUNCTION w_member_update(p_id bigint, p_name text, p_role text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
    o bigint := member_org(p_id);
BEGIN
    IF o IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM lock_org(o);
    UPDATE members SET name = p_name, role = p_role WHERE id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_member_set_email(p_id bigint, p_email text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
    o bigint := member_org(p_id);
BEGIN
    IF o IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM lock_org(o);
    UPDATE members SET email = p_email WHERE id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_member_set_login(p_id bigint, p_login text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
    o bigint := member_org(p_id);
BEGIN
    IF o IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM attest_login(p_id, p_login);
    PERFORM lock_org(o);
    UPDATE members SET login = p_login WHERE id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_member_delete(p_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
    o bigint := member_org(p_id);
BEGIN
    IF o IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM lock_org(o);
    DELETE FROM members WHERE id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_grant_insert(p_member bigint, p_team bigint, p_project bigint, p_env bigint,
                               p_role text, p_created_at timestamptz)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_projects(p_id => p_project)) THEN
        PERFORM missing('grants', 'grants_project_id_fkey', 'projects');
    END IF;
    IF p_member IS NOT NULL AND member_org(p_member) IS NULL THEN
        PERFORM missing('grants', 'grants_member_id_fkey', 'members');
    END IF;
    IF p_team IS NOT NULL AND NOT EXISTS (SELECT 1 FROM r_teams(p_id => p_team)) THEN
        PERFORM missing('grants', 'grants_team_id_fkey', 'teams');
    END IF;
    IF p_env IS NOT NULL AND NOT EXISTS (SELECT 1 FROM r_environments(p_id => p_env)) THEN
        PERFORM missing('grants', 'grants_environment_id_fkey', 'environments');
    END IF;
    PERFORM attest_grant(p_member, p_team, p_project, p_env, p_role, p_created_at);
    PERFORM lock_org(project_org(p_project));
    INSERT INTO grants (member_id, team_id, project_id, environment_id, role, created_at)
    VALUES (p_member, p_team, p_project, p_env, p_role, p_created_at);
END
$$;

CREATE FUNCTION w_grant_delete(p_member bigint, p_team bigint, p_project bigint, p_env bigint)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_projects(p_id => p_project)) THEN
        RETURN 0;
    END IF;
    PERFORM lock_org(project_org(p_project));
    DELETE FROM grants WHERE member_id IS NOT DISTINCT FROM p_member
        AND team_id IS NOT DISTINCT FROM p_team AND project_id = p_project
        AND environment_id IS NOT DISTINCT FROM p_env;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_team_insert(p_org bigint, p_slug text, p_display_name text,
                              p_description text, p_created_at timestamptz)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_orgs(p_id => p_org)) THEN
        PERFORM missing('teams', 'teams_org_id_fkey', 'orgs');
    END IF;
    PERFORM lock_org(p_org);
    INSERT INTO teams (org_id, slug, display_name, description, created_at)
    VALUES (p_org, p_slug, p_display_name, p_description, p_created_at)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

CREATE FUNCTION w_team_update(p_id bigint, p_slug text, p_display_name text, p_description text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
    o bigint := (SELECT t.org_id FROM r_teams(p_id => p_id) t);
BEGIN
    IF o IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM lock_org(o);
    UPDATE teams SET slug = p_slug, display_name = p_display_name, description = p_description
    WHERE id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_team_delete(p_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
    o bigint := (SELECT t.org_id FROM r_teams(p_id => p_id) t);
BEGIN
    IF o IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM lock_org(o);
    DELETE FROM teams WHERE id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_team_join(p_team bigint, p_member bigint, p_created_at timestamptz)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
    o bigint := (SELECT t.org_id FROM r_teams(p_id => p_team) t);
BEGIN
    IF o IS NULL THEN
        PERFORM missing('team_members', 'team_members_team_id_fkey', 'teams');
    END IF;
    PERFORM attest_join(p_team, p_member, p_created_at);
    PERFORM lock_org(o);
    INSERT INTO team_members (team_id, member_id, created_at) VALUES (p_team, p_member, p_created_at)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION w_team_leave(p_team bigint, p_member bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
    o bigint := (SELECT t.org_id FROM r_teams(p_id => p_team) t);
BEGIN
    IF o IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM lock_org(o);
    DELETE FROM team_members WHERE team_id = p_team AND member_id = p_member;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- Restore: what the event's own transaction removed, and nothing else.
--
-- `w_restore_begin(event)` names the event a restore works from (one the login may see);
-- each `w_*_restore` then re-creates a row only if that transaction removed a row with the
-- same values (ids of rows restored with it mapped to their new ones), and a grant, a team
-- membership or a login given back during a restore must match one removed there too.

CREATE FUNCTION restoring() RETURNS xid8 LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
SELECT e.xact FROM restores r JOIN events e ON e.id = r.event_id
WHERE r.xact = pg_current_xact_id_if_assigned()
$$;

CREATE FUNCTION w_restore_begin(p_event bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_events(p_id => p_event)) THEN
        RETURN false;
    END IF;
    INSERT INTO restores (xact, event_id) VALUES (pg_current_xact_id(), p_event)
    ON CONFLICT (xact) DO UPDATE SET event_id = EXCLUDED.event_id;
    RETURN true;
END
$$;

-- The rows of `tbl` the restored event's transaction removed.
CREATE FUNCTION removed(p_tbl text) RETURNS SETOF jsonb LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
SELECT c.old FROM removals c WHERE c.xact = restoring() AND c.tbl = p_tbl
$$;

-- Where a row is, by name: `org`, `org/project`, `org/project/env`, `org/email`,
-- `org/team` — for an id the restored event removed, or one that is here.
CREATE FUNCTION removed_key(p_tbl text, p_id bigint) RETURNS text LANGUAGE plpgsql STABLE
SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    r jsonb;
BEGIN
    IF p_id IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT x INTO r FROM removed(p_tbl) x WHERE (x ->> 'id')::bigint = p_id LIMIT 1;
    IF r IS NULL THEN
        r := CASE p_tbl
            WHEN 'orgs' THEN (SELECT to_jsonb(t) FROM orgs t WHERE t.id = p_id)
            WHEN 'projects' THEN (SELECT to_jsonb(t) FROM projects t WHERE t.id = p_id)
            WHEN 'environments' THEN (SELECT to_jsonb(t) FROM environments t WHERE t.id = p_id)
            WHEN 'members' THEN (SELECT to_jsonb(t) FROM members t WHERE t.id = p_id)
            WHEN 'teams' THEN (SELECT to_jsonb(t) FROM teams t WHERE t.id = p_id)
        END;
    END IF;
    IF r IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN CASE p_tbl
        WHEN 'orgs' THEN r ->> 'slug'
        WHEN 'projects' THEN removed_key('orgs', (r ->> 'org_id')::bigint) || '/' || (r ->> 'slug')
        WHEN 'environments' THEN
            removed_key('projects', (r ->> 'project_id')::bigint) || '/' || (r ->> 'slug')
        WHEN 'members' THEN removed_key('orgs', (r ->> 'org_id')::bigint) || '/' || (r ->> 'email')
        WHEN 'teams' THEN removed_key('orgs', (r ->> 'org_id')::bigint) || '/' || (r ->> 'slug')
    END;
END
$$;

CREATE FUNCTION not_removed() RETURNS void LANGUAGE plpgsql
SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'restore re-creates only what the event''s change removed'
        USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Whether the restored event's transaction removed a row of `p_tbl` with these values, where
-- it hangs (`p_parent`: its organization, project or environment, by name; none for an
-- organization) as it hung, and, when `p_id` is given, with that id.
CREATE FUNCTION was_removed(p_tbl text, p_id bigint, p_parent_tbl text, p_parent bigint,
                            p_values jsonb)
RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
SELECT EXISTS (
    SELECT 1 FROM removed(p_tbl) r
    WHERE (p_id IS NULL OR (r ->> 'id')::bigint = p_id)
      AND (p_parent_tbl IS NULL -- an organization hangs nowhere
           OR removed_key(p_parent_tbl, (r ->> (CASE p_parent_tbl WHEN 'orgs' THEN 'org_id'
                                                    WHEN 'projects' THEN 'project_id'
                                                    ELSE 'environment_id' END))::bigint)
              = removed_key(p_parent_tbl, p_parent))
      AND NOT EXISTS (
          SELECT 1 FROM jsonb_each(p_values) v
          WHERE CASE WHEN v.key IN ('created_at', 'archived_at')
                     THEN (r ->> v.key)::timestamptz IS DISTINCT FROM (v.value #>> '{}')::timestamptz
                     ELSE (r -> v.key) IS DISTINCT FROM v.value END))
$$;

CREATE FUNCTION attest(p_tbl text, p_id bigint, p_parent_tbl text, p_parent bigint,
                       p_values jsonb)
RETURNS void LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    IF restoring() IS NULL OR NOT was_removed(p_tbl, p_id, p_parent_tbl, p_parent, p_values) THEN
        PERFORM not_removed();
    END IF;
END
$$;

-- During a restore, a login given back to a member is the one it had when removed.
CREATE FUNCTION attest_login(p_id bigint, p_login text) RETURNS void LANGUAGE plpgsql STABLE
SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    IF restoring() IS NULL OR p_login IS NULL THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM removed('members') r
                   WHERE removed_key('orgs', (r ->> 'org_id')::bigint) || '/' || (r ->> 'email')
                         = removed_key('members', p_id)
                     AND r ->> 'login' = p_login) THEN
        PERFORM not_removed();
    END IF;
END
$$;

-- During a restore, a grant given back is one that was removed: same holder, project,
-- environment (by name), role and time.
CREATE FUNCTION attest_grant(p_member bigint, p_team bigint, p_project bigint, p_env bigint,
                             p_role text, p_created_at timestamptz)
RETURNS void LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    IF restoring() IS NULL THEN
        RETURN;
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM removed('grants') r
        WHERE r ->> 'role' = p_role
          AND (r ->> 'created_at')::timestamptz = p_created_at
          AND removed_key('members', (r ->> 'member_id')::bigint)
              IS NOT DISTINCT FROM removed_key('members', p_member)
          AND removed_key('teams', (r ->> 'team_id')::bigint)
              IS NOT DISTINCT FROM removed_key('teams', p_team)
          AND removed_key('projects', (r ->> 'project_id')::bigint)
              = removed_key('projects', p_project)
          AND removed_key('environments', (r ->> 'environment_id')::bigint)
              IS NOT DISTINCT FROM removed_key('environments', p_env)) THEN
        PERFORM not_removed();
    END IF;
END
$$;

CREATE FUNCTION attest_join(p_team bigint, p_member bigint, p_created_at timestamptz)
RETURNS void LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    IF restoring() IS NULL THEN
        RETURN;
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM removed('team_members') r
        WHERE (r ->> 'created_at')::timestamptz = p_created_at
          AND removed_key('members', (r ->> 'member_id')::bigint)
              = removed_key('members', p_member)
          AND removed_key('teams', (r ->> 'team_id')::bigint) = removed_key('teams', p_team)) THEN
        PERFORM not_removed();
    END IF;
END
$$;

CREATE FUNCTION w_org_restore(p_id bigint, p_slug text, p_display_name text,
                              p_created_at timestamptz)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    PERFORM attest('orgs', p_id, NULL, NULL,
                   jsonb_build_object('slug', p_slug, 'display_name', p_display_name,
                                      'created_at', p_created_at));
    IF p_id IS NOT NULL AND EXISTS (SELECT 1 FROM orgs WHERE id = p_id) THEN
        p_id := NULL;
    END IF;
    INSERT INTO orgs (id, slug, display_name, created_at) OVERRIDING SYSTEM VALUE
    VALUES (coalesce(p_id, nextval(pg_get_serial_sequence('orgs', 'id'))), p_slug,
            p_display_name, p_created_at)
    RETURNING id INTO new_id;
    UPDATE org_creations SET how = 'restored' WHERE org_id = new_id;
    RETURN new_id;
END
$$;

CREATE FUNCTION w_project_restore(p_id bigint, p_org bigint, p_slug text, p_display_name text,
                                  p_description text, p_created_at timestamptz)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_orgs(p_id => p_org)) THEN
        PERFORM missing('projects', 'projects_org_id_fkey', 'orgs');
    END IF;
    PERFORM attest('projects', p_id, 'orgs', p_org,
                   jsonb_build_object('slug', p_slug, 'display_name', p_display_name,
                                      'description', p_description, 'created_at', p_created_at));
    IF p_id IS NOT NULL AND EXISTS (SELECT 1 FROM projects WHERE id = p_id) THEN
        p_id := NULL;
    END IF;
    PERFORM lock_org(p_org);
    INSERT INTO projects (id, org_id, slug, display_name, description, created_at)
    OVERRIDING SYSTEM VALUE
    VALUES (coalesce(p_id, nextval(pg_get_serial_sequence('projects', 'id'))), p_org, p_slug,
            p_display_name, p_description, p_created_at)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

CREATE FUNCTION w_env_restore(p_project bigint, p_slug text, p_display_name text, p_kind text,
                              p_description text, p_protected boolean,
                              p_archived_at timestamptz, p_created_at timestamptz)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_projects(p_id => p_project)) THEN
        PERFORM missing('environments', 'environments_project_id_fkey', 'projects');
    END IF;
    PERFORM attest('environments', NULL, 'projects', p_project,
                   jsonb_build_object('slug', p_slug,
                                      'display_name', p_display_name, 'kind', p_kind,
                                      'description', p_description, 'protected', p_protected,
                                      'archived_at', p_archived_at, 'created_at', p_created_at));
    PERFORM lock_org(project_org(p_project));
    INSERT INTO environments (project_id, slug, display_name, kind, description, protected,
                              archived_at, created_at)
    VALUES (p_project, p_slug, p_display_name, p_kind, p_description, p_protected,
            p_archived_at, p_created_at)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

CREATE FUNCTION w_resource_restore(p_env bigint, p_slug text, p_type text, p_description text,
                                   p_created_at timestamptz)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_environments(p_id => p_env)) THEN
        PERFORM missing('resources', 'resources_environment_id_fkey', 'environments');
    END IF;
    PERFORM attest('resources', NULL, 'environments', p_env,
                   jsonb_build_object('slug', p_slug, 'type', p_type,
                                      'description', p_description, 'created_at', p_created_at));
    PERFORM w_resource_insert(p_env, p_slug, p_type, p_description, p_created_at);
END
$$;

CREATE FUNCTION w_member_restore(p_org bigint, p_email text, p_name text, p_role text,
                                 p_created_at timestamptz)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_orgs(p_id => p_org)) THEN
        PERFORM missing('members', 'members_org_id_fkey', 'orgs');
    END IF;
    PERFORM attest('members', NULL, 'orgs', p_org,
                   jsonb_build_object('email', p_email, 'name', p_name, 'role', p_role,
                                      'created_at', p_created_at));
    RETURN w_member_insert(p_org, p_email, p_name, p_role, p_created_at);
END
$$;

CREATE FUNCTION w_team_restore(p_id bigint, p_org bigint, p_slug text, p_display_name text,
                               p_description text, p_created_at timestamptz)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM r_orgs(p_id => p_org)) THEN
        PERFORM missing('teams', 'teams_org_id_fkey', 'orgs');
    END IF;
    PERFORM attest('teams', p_id, 'orgs', p_org,
                   jsonb_build_object('slug', p_slug, 'display_name', p_display_name,
                                      'description', p_description, 'created_at', p_created_at));
    IF p_id IS NOT NULL AND EXISTS (SELECT 1 FROM teams WHERE id = p_id) THEN
        p_id := NULL;
    END IF;
    PERFORM lock_org(p_org);
    INSERT INTO teams (id, org_id, slug, display_name, description, created_at)
    OVERRIDING SYSTEM VALUE
    VALUES (coalesce(p_id, nextval(pg_get_serial_sequence('teams', 'id'))), p_org, p_slug,
            p_display_name, p_description, p_created_at)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

-- The event log view of version 2 is replaced by r_events.
DROP VIEW event_log;

-- Privileges: nobody but the owner touches a table or a sequence; a login calls the r_* and
-- w_* functions, `record`, `name_taken`, and the pure rule table (`verdict`, `allowed`).
REVOKE ALL ON ALL TABLES IN SCHEMA proj FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA proj FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA proj FROM PUBLIC;
DO $$
DECLARE
    f record;
BEGIN
    FOR f IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
             WHERE p.pronamespace = 'proj'::regnamespace
               AND (p.proname LIKE 'r\_%' OR p.proname LIKE 'w\_%'
                    OR p.proname IN ('record', 'name_taken', 'verdict', 'allowed')) LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', f.sig);
    END LOOP;
END
$$;

-- The bookkeeping tables are the owner's alone, like every other.
ALTER TABLE removals ENABLE ROW LEVEL SECURITY;
ALTER TABLE pending ENABLE ROW LEVEL SECURITY;
ALTER TABLE restores ENABLE ROW LEVEL SECURITY;

-- The start of every write (`Store::write` sends it right after BEGIN, in the same message):
-- the write locks of the organizations the login writes in — those it is a member of, and
-- those without members (anyone's) — taken in id order and held to the end of the
-- transaction, which runs READ COMMITTED: every statement after this one sees what the writer
-- before it committed. Writers of one organization take turns, as on a file, and never fail
-- each other. Only a member can hold an organization's lock, and nobody can hold another
-- organization's: there is no lock a login of no organization can take that a writer waits
-- for.
CREATE FUNCTION w_begin() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog, pg_temp AS $$
DECLARE
    u boolean := unbound();
BEGIN
    PERFORM 1 FROM orgs o
    WHERE u
       OR o.id IN (SELECT m.org_id FROM members m WHERE m.login = session_user)
       OR NOT EXISTS (SELECT 1 FROM members m WHERE m.org_id = o.id)
    ORDER BY o.id
    FOR NO KEY UPDATE OF o;
END
$$;
REVOKE ALL ON FUNCTION w_begin() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION w_begin() TO PUBLIC;
