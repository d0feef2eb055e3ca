-- PostgreSQL schema version 2: the database enforces the access model (README, "Team mode").
--
-- A login connected with psql reads and changes exactly what `proj` would let it:
-- - Reads: row-level security on every table. A row is visible when the access model lets
--   the login read what it belongs to (its organization, its project).
-- - Writes: a BEFORE trigger on every table names the action a change is (`env.update`,
--   `member.grant`, ...) and asks `decide`, the SQL twin of `access::decide` (src/access.rs);
--   a test compares the two over every case (tests/cli/enforce.rs).
-- - Audit: every event's actor is the session's login and its time the server's clock,
--   whatever the client sent; nobody but the schema's owner may change or delete events.
-- - Identity is `session_user`: `SET ROLE` does not change it, and `SET SESSION
--   AUTHORIZATION` needs a superuser.
--
-- The schema's owner (whoever ran this migration) is not bound by row-level security (the
-- triggers still bind it): it is meant to be a role nobody works as (README, "Team mode").
-- The functions below are SECURITY DEFINER, run as that owner, so they can read what a
-- policy needs without the policies applying to themselves; each pins its search_path.

ALTER TABLE selection ALTER COLUMN login SET DEFAULT session_user;

-- Organizations created, or given their first member, by the transaction that is running:
-- it acts as their owner until it commits (`proj init`, `proj restore`, `proj apply` build a
-- whole organization, members last; `proj member add` in an organization without members,
-- where anyone acts as its owner, maps the new member's login next). Only the triggers
-- write here.
CREATE TABLE org_creations (
    org_id bigint PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    xact   xid8 NOT NULL
);

-- The rules, as a table: `access::verdict` in src/access.rs is the same table in Rust.
-- standing: no-members | outsider | owner | admin | member | viewer
-- level: org | project | env (the target cut back to the action's level)
-- role: the strongest role any holder gives on the target (admin | developer | viewer)
CREATE FUNCTION verdict(standing text, action text, level text, touches_owner boolean,
                        granted boolean, role text, protected boolean)
RETURNS text LANGUAGE sql IMMUTABLE SET search_path = proj, pg_catalog AS $$
SELECT CASE
    WHEN standing = 'no-members' THEN 'no-members'
    WHEN standing = 'outsider' THEN 'not-a-member'
    WHEN standing = 'owner' THEN 'org-owner'
    WHEN standing = 'admin' THEN
        CASE WHEN action = 'org.remove' THEN 'owner-only'
             WHEN touches_owner THEN 'owners-by-owners'
             ELSE 'org-admin' END
    WHEN level = 'org' THEN
        CASE WHEN action = 'read' THEN 'org-read' ELSE 'needs-org-admin' END
    WHEN NOT granted THEN 'no-grant'
    WHEN action = 'read' THEN 'granted-read'
    WHEN role IS NULL THEN 'no-project-role'
    WHEN role = 'admin' THEN 'project-admin'
    WHEN role = 'viewer' THEN 'project-viewer'
    WHEN action = 'env.add' THEN 'project-developer'
    WHEN action IN ('env.update', 'env.remove', 'resource.add', 'resource.update',
                    'resource.remove') THEN
        CASE WHEN level = 'env' AND protected THEN 'protected-env'
             ELSE 'project-developer' END
    ELSE 'needs-project-admin'
END
$$;

CREATE FUNCTION allowed(rule text) RETURNS boolean LANGUAGE sql IMMUTABLE
SET search_path = proj, pg_catalog AS $$
SELECT rule IN ('no-members', 'org-owner', 'org-admin', 'org-read', 'granted-read',
                'project-admin', 'project-developer')
$$;

-- Whether organization `o` was created by the running transaction.
CREATE FUNCTION created_now(o bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
SELECT EXISTS (SELECT 1 FROM org_creations c
               WHERE c.org_id = o AND c.xact = pg_current_xact_id_if_assigned())
$$;

-- Where the login stands in organization `o` (one that does not exist has no members: the
-- foreign key then refuses what is written into it).
CREATE FUNCTION standing(o bigint) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
SELECT CASE
    WHEN created_now(o) THEN 'owner'
    WHEN NOT EXISTS (SELECT 1 FROM members WHERE org_id = o) THEN 'no-members'
    ELSE coalesce((SELECT role FROM members WHERE org_id = o AND login = session_user),
                  'outsider')
END
$$;

-- What the login's holders (its member, each of its teams) give it in project `p`: whether
-- any holds a grant there at all, and the strongest role on environment `e` (NULL: the
-- project as a whole), where a holder's grant on `e` replaces its project-wide one.
CREATE FUNCTION project_role(p bigint, e bigint, OUT granted boolean, OUT role text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = proj, pg_catalog AS $$
WITH me AS (
    SELECT m.id FROM members m JOIN projects pr ON pr.org_id = m.org_id
    WHERE pr.id = p AND m.login = session_user
), held AS (
    SELECT coalesce(g.member_id, -g.team_id) AS holder, g.environment_id AS env,
           CASE g.role WHEN 'admin' THEN 3 WHEN 'developer' THEN 2 ELSE 1 END AS rank
    FROM grants g
    WHERE g.project_id = p
      AND (g.member_id IN (SELECT id FROM me)
           OR g.team_id IN (SELECT tm.team_id FROM team_members tm
                            WHERE tm.member_id IN (SELECT id FROM me)))
), per_holder AS (
    SELECT coalesce(max(rank) FILTER (WHERE env = e),
                    max(rank) FILTER (WHERE env IS NULL)) AS rank
    FROM held GROUP BY holder
)
SELECT EXISTS (SELECT 1 FROM held),
       (SELECT CASE max(rank) WHEN 3 THEN 'admin' WHEN 2 THEN 'developer'
                              WHEN 1 THEN 'viewer' END FROM per_holder)
$$;

-- The rule that decides whether the login may do `action` on organization `o`, project
-- `p`, environment `e` (NULL where the target stops); `touches_owner`: a change to a member
-- who is or would become an owner. The same steps as `access::decide`.
CREATE FUNCTION decide(action text, o bigint, p bigint, e bigint, touches_owner boolean)
RETURNS text LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = proj, pg_catalog AS $$
DECLARE
    st text;
    lvl text;
    pr record;
    prot boolean := false;
BEGIN
    IF action IN ('org.update', 'org.remove', 'project.add', 'member.add', 'member.role',
                  'member.remove', 'team.add', 'team.update', 'team.remove') THEN
        p := NULL;
        e := NULL;
    ELSIF action IN ('project.update', 'project.remove', 'env.add') THEN
        e := NULL;
    END IF;
    lvl := CASE WHEN e IS NOT NULL THEN 'env' WHEN p IS NOT NULL THEN 'project' ELSE 'org' END;
    st := standing(o);
    SELECT false AS granted, NULL::text AS role INTO pr;
    IF p IS NOT NULL AND st IN ('member', 'viewer') THEN
        SELECT * INTO pr FROM project_role(p, e);
    END IF;
    IF e IS NOT NULL THEN
        SELECT coalesce(env.protected, false) INTO prot FROM environments env WHERE env.id = e;
    END IF;
    RETURN verdict(st, action, lvl, coalesce(touches_owner, false), pr.granted, pr.role,
                   coalesce(prot, false));
END
$$;

-- Raises when the login may not do `action`: a target it may not see is reported as the
-- missing row a foreign key names (`fk` on `fk_table`), exactly as one that
-- does not exist, so a refusal tells nothing about hidden rows.
CREATE FUNCTION require(action text, o bigint, p bigint, e bigint, touches_owner boolean,
                        tbl text, fk text, fk_table text)
RETURNS void LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = proj, pg_catalog AS $$
DECLARE
    rule text;
BEGIN
    -- A superuser could turn the guards off anyway: it is not held to them.
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = session_user AND rolsuper) THEN
        RETURN;
    END IF;
    rule := decide(action, o, p, e, touches_owner);
    IF allowed(rule) THEN
        RETURN;
    END IF;
    IF rule IN ('not-a-member', 'no-grant') AND fk IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"',
            tbl, fk
            USING ERRCODE = 'foreign_key_violation',
                  -- As PostgreSQL words it for a login under row-level security.
                  DETAIL = format('Key is not present in table "%s".', fk_table);
    END IF;
    RAISE EXCEPTION 'permission denied: % (rule %)', action, rule
        USING ERRCODE = 'insufficient_privilege';
END
$$;

-- The organization of a project, of an environment.
CREATE FUNCTION project_org(p bigint) RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$ SELECT org_id FROM projects WHERE id = p $$;

CREATE FUNCTION env_project(e bigint) RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$ SELECT project_id FROM environments WHERE id = e $$;

-- Whether a row was written by the running transaction (an environment just added).
CREATE FUNCTION env_written_now(e bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
SELECT EXISTS (SELECT 1 FROM environments
               WHERE id = e AND xmin = pg_current_xact_id_if_assigned()::xid)
$$;

-- Whether an organization (o NULL) or a project of organization `o` holds `slug`, seen or
-- not: names are unique, so a hidden one is "not available" (never "exists").
CREATE FUNCTION name_taken(o bigint, name text) RETURNS boolean LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = proj, pg_catalog AS $$
SELECT CASE WHEN o IS NULL THEN EXISTS (SELECT 1 FROM orgs WHERE slug = name)
            ELSE EXISTS (SELECT 1 FROM projects WHERE org_id = o AND slug = name) END
$$;

-- Reading: what the login sees.

-- Whether it reads organization `o`: as a member, because it has none, or because the
-- running transaction created it. Asked of the row itself, so a row the running statement
-- inserts is judged too.
CREATE FUNCTION org_readable(o bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
SELECT standing(o) <> 'outsider'
$$;

-- Whether it reads every project of organization `o`: as owner or admin, or as above.
CREATE FUNCTION whole_org(o bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
SELECT standing(o) IN ('owner', 'admin', 'no-members')
$$;

-- Whether it, or one of its teams, holds a grant in project `p` (on it or any environment).
CREATE FUNCTION granted(p bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
SELECT EXISTS (SELECT 1 FROM members m JOIN grants g ON g.member_id = m.id
               WHERE m.login = session_user AND g.project_id = p)
    OR EXISTS (SELECT 1 FROM members m
               JOIN team_members tm ON tm.member_id = m.id
               JOIN grants g ON g.team_id = tm.team_id
               WHERE m.login = session_user AND g.project_id = p)
$$;

CREATE FUNCTION project_readable(o bigint, p bigint) RETURNS boolean LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = proj, pg_catalog AS $$
SELECT whole_org(o) OR (standing(o) IN ('member', 'viewer') AND granted(p))
$$;

-- The same as sets, for policies (one evaluation per statement, then a hash lookup per row):
-- written as joins over the login's own member rows, not as the functions above row by row.
CREATE FUNCTION readable_orgs() RETURNS SETOF bigint LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
SELECT m.org_id FROM members m WHERE m.login = session_user
UNION
SELECT o.id FROM orgs o WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.org_id = o.id)
UNION
SELECT c.org_id FROM org_creations c WHERE c.xact = pg_current_xact_id_if_assigned()
$$;

CREATE FUNCTION whole_orgs() RETURNS SETOF bigint LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
SELECT m.org_id FROM members m
WHERE m.login = session_user AND m.role IN ('owner', 'admin')
UNION
SELECT o.id FROM orgs o WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.org_id = o.id)
UNION
SELECT c.org_id FROM org_creations c WHERE c.xact = pg_current_xact_id_if_assigned()
$$;

-- Projects where the login or one of its teams holds a grant (on it or an environment).
CREATE FUNCTION granted_projects() RETURNS SETOF bigint LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
SELECT g.project_id FROM members m JOIN grants g ON g.member_id = m.id
WHERE m.login = session_user
UNION
SELECT g.project_id FROM members m
JOIN team_members tm ON tm.member_id = m.id
JOIN grants g ON g.team_id = tm.team_id
WHERE m.login = session_user
$$;

-- Projects it reads: every project of a whole organization, and those granted.
CREATE FUNCTION readable_projects() RETURNS SETOF bigint LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
SELECT p.id FROM projects p WHERE p.org_id IN (SELECT whole_orgs())
UNION
SELECT granted_projects()
$$;

-- The projects (present or removed) named by an audit snapshot that the login may not see,
-- for `strip`: a snapshot names a project by `org` and `project` slugs (a grant, an
-- environment, a resource) or as `{"project": {"org", "slug"}}`.
CREATE FUNCTION hides(v jsonb) RETURNS boolean LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
DECLARE
    org_slug text;
    project_slug text;
    o bigint;
    p bigint;
BEGIN
    IF jsonb_typeof(v) <> 'object' THEN
        RETURN false;
    END IF;
    IF jsonb_typeof(v -> 'project') = 'string' THEN
        org_slug := v ->> 'org';
        project_slug := v ->> 'project';
    ELSIF jsonb_typeof(v -> 'project') = 'object' THEN
        org_slug := v -> 'project' ->> 'org';
        project_slug := v -> 'project' ->> 'slug';
    ELSE
        RETURN false;
    END IF;
    IF org_slug IS NULL OR project_slug IS NULL THEN
        RETURN false;
    END IF;
    SELECT id INTO o FROM orgs WHERE slug = org_slug;
    IF o IS NULL THEN
        RETURN true;
    END IF;
    SELECT id INTO p FROM projects WHERE org_id = o AND slug = project_slug;
    IF p IS NULL THEN
        RETURN NOT whole_org(o);
    END IF;
    RETURN NOT project_readable(o, p);
END
$$;

-- A snapshot with every element of every array that lies in a hidden project taken out
-- (`access::event_for`'s `strip`).
CREATE FUNCTION strip(v jsonb) RETURNS jsonb LANGUAGE plpgsql STABLE
SET search_path = proj, pg_catalog AS $$
DECLARE
    out jsonb;
    item jsonb;
    k text;
BEGIN
    CASE jsonb_typeof(v)
    WHEN 'array' THEN
        out := '[]'::jsonb;
        FOR item IN SELECT value FROM jsonb_array_elements(v) LOOP
            IF NOT hides(item) THEN
                out := out || jsonb_build_array(strip(item));
            END IF;
        END LOOP;
        RETURN out;
    WHEN 'object' THEN
        out := '{}'::jsonb;
        FOR k, item IN SELECT key, value FROM jsonb_each(v) LOOP
            out := out || jsonb_build_object(k, strip(item));
        END LOOP;
        RETURN out;
    ELSE
        RETURN v;
    END CASE;
END
$$;

-- A whole `before`/`after` as the login may see it: located in a hidden project, it keeps
-- what it was but not where; inside, hidden parts go (`access::event_for`'s `strip_top`).
CREATE FUNCTION shown(v jsonb) RETURNS jsonb LANGUAGE sql STABLE
SET search_path = proj, pg_catalog AS $$
SELECT CASE WHEN v IS NULL THEN NULL
            WHEN hides(v) THEN strip(v - 'org' - 'project' - 'environment')
            ELSE strip(v) END
$$;

-- Whether organization `o` is gone (removed).
CREATE FUNCTION org_gone(o bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
SELECT NOT EXISTS (SELECT 1 FROM orgs WHERE id = o)
$$;

-- Whether the login may see the events of removed organization `o`: those who were its
-- owners and admins when it was removed may (anyone, if it had no members then, or if no
-- organization has members now: a database without members has a single owner).
CREATE FUNCTION saw_removed_org(o bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
SELECT NOT EXISTS (SELECT 1 FROM members) OR coalesce((
    SELECT jsonb_array_length(r.before -> 'members') = 0
        OR EXISTS (SELECT 1 FROM jsonb_array_elements(r.before -> 'members') m
                   WHERE m ->> 'login' = session_user AND m ->> 'role' IN ('owner', 'admin'))
    FROM events r
    WHERE r.org_id = o AND r.project_id IS NULL AND r.action = 'org.remove'
    ORDER BY r.id DESC LIMIT 1), false)
$$;

-- Whether the session's login owns schema `proj` (and so reads every row anyway).
CREATE FUNCTION owns_schema() RETURNS boolean LANGUAGE sql STABLE
SET search_path = proj, pg_catalog AS $$
SELECT EXISTS (SELECT 1 FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner
               WHERE n.nspname = 'proj' AND r.rolname = session_user)
$$;

-- Which events the login may see (`access::can_see_event`), and which it sees whole: an event
-- shows where what it is about does — its organization (a member reads it), its project (as
-- one the login reads; a removed one's for the organization's owners and admins); a removed
-- organization's for those who were its owners and admins. Whole: about no organization, a
-- removed one, or one whose every project the login reads. Written over sets computed once per
-- statement (the log is long), as the view and the table's policy below use them.

-- The audit log as the login may read it (what `proj log` starts from): the events it may
-- see, with the parts of their snapshots that lie in projects hidden from it taken out. The
-- table itself shows a login only the events it may see whole.
CREATE VIEW event_log WITH (security_barrier) AS
SELECT e.id, e.at, e.actor, e.action, e.org_id, e.project_id, e.target,
       CASE WHEN w.whole THEN e.before ELSE shown(e.before) END AS before,
       CASE WHEN w.whole THEN e.after ELSE shown(e.after) END AS after
FROM events e
CROSS JOIN LATERAL (
    SELECT (SELECT owns_schema())
        OR e.org_id IS NULL
        OR e.org_id IN (SELECT whole_orgs())
        OR org_gone(e.org_id) AS whole
) w
WHERE (SELECT owns_schema())
   OR e.org_id IS NULL
   OR e.org_id IN (SELECT whole_orgs())
   OR (e.project_id IS NULL AND e.org_id IN (SELECT readable_orgs()))
   OR e.project_id IN (SELECT readable_projects())
   OR (org_gone(e.org_id) AND saw_removed_org(e.org_id));

-- The server's clock: `ALTER DATABASE … SET proj.clock = '…'` pins it for a whole database
-- (demos, tests); a session cannot (only the database's own setting counts).
CREATE FUNCTION clock() RETURNS timestamptz LANGUAGE sql STABLE
SET search_path = proj, pg_catalog AS $$
SELECT coalesce((SELECT substr(cfg, length('proj.clock=') + 1)::timestamptz
                  FROM pg_db_role_setting s, unnest(s.setconfig) cfg
                  WHERE s.setdatabase = (SELECT oid FROM pg_database
                                         WHERE datname = current_database())
                    AND s.setrole = 0 AND cfg LIKE 'proj.clock=%'
                  LIMIT 1), now())
$$;

-- Writing: one guard per table.

CREATE FUNCTION guard_orgs() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        RETURN NEW; -- anyone may create an organization
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM require('org.update', OLD.id, NULL, NULL, false,
                        NULL, NULL, NULL);
        RETURN NEW;
    END IF;
    PERFORM require('org.remove', OLD.id, NULL, NULL, false,
                    NULL, NULL, NULL);
    RETURN OLD;
END
$$;

CREATE FUNCTION note_creation() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
BEGIN
    INSERT INTO org_creations (org_id, xact) VALUES (NEW.id, pg_current_xact_id())
    ON CONFLICT (org_id) DO UPDATE SET xact = EXCLUDED.xact;
    RETURN NULL;
END
$$;

CREATE FUNCTION guard_projects() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM require('project.add', NEW.org_id, NULL, NULL, false,
                        'projects', 'projects_org_id_fkey', 'orgs');
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.org_id <> OLD.org_id OR NEW.id <> OLD.id THEN
            RAISE EXCEPTION 'a project stays in its organization'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        PERFORM require('project.update', OLD.org_id, OLD.id, NULL, false,
                        NULL, NULL, NULL);
        RETURN NEW;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM orgs WHERE id = OLD.org_id) THEN
        RETURN OLD; -- removed with its organization, which was checked
    END IF;
    PERFORM require('project.remove', OLD.org_id, OLD.id, NULL, false,
                    NULL, NULL, NULL);
    RETURN OLD;
END
$$;

CREATE FUNCTION guard_environments() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
DECLARE
    o bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        o := project_org(NEW.project_id);
        PERFORM require('env.add', o, NEW.project_id, NULL, false,
                        'environments', 'environments_project_id_fkey', 'projects');
        RETURN NEW;
    END IF;
    o := project_org(OLD.project_id);
    IF TG_OP = 'UPDATE' THEN
        IF NEW.project_id <> OLD.project_id OR NEW.id <> OLD.id THEN
            RAISE EXCEPTION 'an environment stays in its project'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.protected IS DISTINCT FROM OLD.protected THEN
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

CREATE FUNCTION guard_resources() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
DECLARE
    p bigint;
    o bigint;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        p := env_project(NEW.environment_id);
        o := project_org(p);
        IF TG_OP = 'INSERT' THEN
            IF env_written_now(NEW.environment_id) AND allowed(decide('env.add', o, p, NULL, false)) THEN
                RETURN NEW; -- filling an environment this change adds (`env clone`)
            END IF;
            PERFORM require('resource.add', o, p, NEW.environment_id, false,
                            'resources', 'resources_environment_id_fkey', 'environments');
            RETURN NEW;
        END IF;
        IF NEW.environment_id <> OLD.environment_id THEN
            -- A move: leaving one environment and arriving in another.
            PERFORM require('resource.remove', project_org(env_project(OLD.environment_id)),
                            env_project(OLD.environment_id), OLD.environment_id, false,
                            NULL, NULL, NULL);
            PERFORM require('resource.add', o, p, NEW.environment_id, false,
                            'resources', 'resources_environment_id_fkey', 'environments');
        ELSE
            PERFORM require('resource.update', o, p, OLD.environment_id, false,
                            NULL, NULL, NULL);
        END IF;
        RETURN NEW;
    END IF;
    p := env_project(OLD.environment_id);
    IF p IS NULL THEN
        RETURN OLD; -- removed with its environment
    END IF;
    PERFORM require('resource.remove', project_org(p), p, OLD.environment_id, false,
                    NULL, NULL, NULL);
    RETURN OLD;
END
$$;

CREATE FUNCTION guard_members() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM require('member.add', NEW.org_id, NULL, NULL, NEW.role = 'owner',
                        'members', 'members_org_id_fkey', 'orgs');
        IF standing(NEW.org_id) = 'no-members' THEN
            INSERT INTO org_creations (org_id, xact) VALUES (NEW.org_id, pg_current_xact_id())
            ON CONFLICT (org_id) DO UPDATE SET xact = EXCLUDED.xact;
        END IF;
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.org_id <> OLD.org_id OR NEW.id <> OLD.id THEN
            RAISE EXCEPTION 'a member stays in their organization'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        -- Any change to a member, their login included, is an admin's (owners' by owners).
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

-- The last owner stays: an organization with members keeps one owner.
CREATE FUNCTION keep_an_owner() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
BEGIN
    IF OLD.role = 'owner'
       AND EXISTS (SELECT 1 FROM orgs WHERE id = OLD.org_id)
       AND EXISTS (SELECT 1 FROM members WHERE org_id = OLD.org_id)
       AND NOT EXISTS (SELECT 1 FROM members WHERE org_id = OLD.org_id AND role = 'owner') THEN
        RAISE EXCEPTION 'an organization keeps at least one owner'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION guard_teams() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM require('team.add', NEW.org_id, NULL, NULL, false,
                        'teams', 'teams_org_id_fkey', 'orgs');
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.org_id <> OLD.org_id OR NEW.id <> OLD.id THEN
            RAISE EXCEPTION 'a team stays in its organization'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        PERFORM require('team.update', OLD.org_id, NULL, NULL, false,
                        NULL, NULL, NULL);
        RETURN NEW;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM orgs WHERE id = OLD.org_id) THEN
        RETURN OLD;
    END IF;
    PERFORM require('team.remove', OLD.org_id, NULL, NULL, false,
                    NULL, NULL, NULL);
    RETURN OLD;
END
$$;

CREATE FUNCTION guard_team_members() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
DECLARE
    o bigint;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT org_id INTO o FROM teams WHERE id = NEW.team_id;
        IF NOT EXISTS (SELECT 1 FROM members WHERE id = NEW.member_id AND org_id = o) THEN
            RAISE EXCEPTION 'insert or update on table "team_members" violates foreign key constraint "team_members_member_id_fkey"'
                USING ERRCODE = 'foreign_key_violation',
                      DETAIL = 'Key is not present in table "members".';
        END IF;
        PERFORM require('team.update', o, NULL, NULL, false,
                        'team_members', 'team_members_team_id_fkey', 'teams');
        IF TG_OP = 'UPDATE' THEN
            SELECT org_id INTO o FROM teams WHERE id = OLD.team_id;
            PERFORM require('team.update', o, NULL, NULL, false,
                            NULL, NULL, NULL);
        END IF;
        RETURN NEW;
    END IF;
    SELECT org_id INTO o FROM teams WHERE id = OLD.team_id;
    IF o IS NULL OR NOT EXISTS (SELECT 1 FROM members WHERE id = OLD.member_id) THEN
        RETURN OLD; -- removed with its team or its member
    END IF;
    PERFORM require('team.update', o, NULL, NULL, false,
                    NULL, NULL, NULL);
    RETURN OLD;
END
$$;

CREATE FUNCTION guard_grants() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
DECLARE
    o bigint;
    holder_org bigint;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        o := project_org(NEW.project_id);
        IF NEW.environment_id IS NOT NULL
           AND env_project(NEW.environment_id) IS DISTINCT FROM NEW.project_id THEN
            RAISE EXCEPTION 'a grant on an environment names its project'
                USING ERRCODE = 'check_violation';
        END IF;
        SELECT coalesce((SELECT org_id FROM members WHERE id = NEW.member_id),
                        (SELECT org_id FROM teams WHERE id = NEW.team_id))
          INTO holder_org;
        IF holder_org IS DISTINCT FROM o AND o IS NOT NULL
           AND allowed(decide('read', o, NEW.project_id, NULL, false)) THEN
            RAISE EXCEPTION 'a grant is held in its project''s organization'
                USING ERRCODE = 'check_violation';
        END IF;
        PERFORM require('member.grant', o, NEW.project_id, NEW.environment_id, false,
                        'grants', 'grants_project_id_fkey', 'projects');
        IF TG_OP = 'UPDATE' AND (NEW.project_id, NEW.environment_id, NEW.member_id, NEW.team_id)
                IS DISTINCT FROM (OLD.project_id, OLD.environment_id, OLD.member_id, OLD.team_id) THEN
            PERFORM require('member.grant', project_org(OLD.project_id), OLD.project_id,
                            OLD.environment_id, false,
                            NULL, NULL, NULL);
        END IF;
        RETURN NEW;
    END IF;
    o := project_org(OLD.project_id);
    IF o IS NULL
       OR (OLD.environment_id IS NOT NULL AND env_project(OLD.environment_id) IS NULL)
       OR (OLD.member_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM members WHERE id = OLD.member_id))
       OR (OLD.team_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM teams WHERE id = OLD.team_id)) THEN
        RETURN OLD; -- removed with what it was on or who held it
    END IF;
    PERFORM require('member.grant', o, OLD.project_id, OLD.environment_id, false,
                    NULL, NULL, NULL);
    RETURN OLD;
END
$$;

-- Events: the database writes who and when.
CREATE FUNCTION stamp_event() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = proj, pg_catalog AS $$
BEGIN
    NEW.actor := session_user;
    NEW.at := clock();
    RETURN NEW;
END
$$;

-- An event is recorded where the login acts: an organization it reads (or one gone: its
-- removal), a project it reads (or one gone).
CREATE FUNCTION event_writable(o bigint, p bigint) RETURNS boolean LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = proj, pg_catalog AS $$
SELECT (o IS NULL OR NOT EXISTS (SELECT 1 FROM orgs WHERE id = o) OR org_readable(o))
   AND (p IS NULL OR NOT EXISTS (SELECT 1 FROM projects WHERE id = p)
        OR project_readable(project_org(p), p))
$$;

-- Records an event (what `proj` calls after each change): where the login acts, in its own
-- name, at the server's time; returns its id.
CREATE FUNCTION record(a_action text, a_org bigint, a_project bigint, a_target text,
                       a_before jsonb, a_after jsonb)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = proj, pg_catalog AS $$
DECLARE
    new_id bigint;
BEGIN
    IF NOT event_writable(a_org, a_project) THEN
        RAISE EXCEPTION 'new row violates row-level security policy for table "events"'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO events (at, actor, action, org_id, project_id, target, before, after)
    VALUES (clock(), session_user, a_action, a_org, a_project, a_target, a_before, a_after)
    RETURNING events.id INTO new_id;
    RETURN new_id;
END
$$;

CREATE TRIGGER guard BEFORE INSERT OR UPDATE OR DELETE ON orgs
    FOR EACH ROW EXECUTE FUNCTION guard_orgs();
CREATE TRIGGER note_creation AFTER INSERT ON orgs
    FOR EACH ROW EXECUTE FUNCTION note_creation();
CREATE TRIGGER guard BEFORE INSERT OR UPDATE OR DELETE ON projects
    FOR EACH ROW EXECUTE FUNCTION guard_projects();
CREATE TRIGGER guard BEFORE INSERT OR UPDATE OR DELETE ON environments
    FOR EACH ROW EXECUTE FUNCTION guard_environments();
CREATE TRIGGER guard BEFORE INSERT OR UPDATE OR DELETE ON resources
    FOR EACH ROW EXECUTE FUNCTION guard_resources();
CREATE TRIGGER guard BEFORE INSERT OR UPDATE OR DELETE ON members
    FOR EACH ROW EXECUTE FUNCTION guard_members();
CREATE TRIGGER keep_an_owner AFTER UPDATE OR DELETE ON members
    FOR EACH ROW EXECUTE FUNCTION keep_an_owner();
CREATE TRIGGER guard BEFORE INSERT OR UPDATE OR DELETE ON teams
    FOR EACH ROW EXECUTE FUNCTION guard_teams();
CREATE TRIGGER guard BEFORE INSERT OR UPDATE OR DELETE ON team_members
    FOR EACH ROW EXECUTE FUNCTION guard_team_members();
CREATE TRIGGER guard BEFORE INSERT OR UPDATE OR DELETE ON grants
    FOR EACH ROW EXECUTE FUNCTION guard_grants();
CREATE TRIGGER stamp BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION stamp_event();

-- Row-level security: what a login reads, and which rows its changes may touch (the
-- guards above decide whether the change itself is allowed).
ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE environments ENABLE ROW LEVEL SECURITY;
ALTER TABLE resources ENABLE ROW LEVEL SECURITY;
ALTER TABLE members ENABLE ROW LEVEL SECURITY;
ALTER TABLE teams ENABLE ROW LEVEL SECURITY;
ALTER TABLE team_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE selection ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_creations ENABLE ROW LEVEL SECURITY;

-- Asked of each row itself: an organization the running statement inserts is judged too.
CREATE POLICY reads ON orgs USING (org_readable(id)) WITH CHECK (true);
CREATE POLICY reads ON projects
    USING (org_id IN (SELECT whole_orgs()) OR id IN (SELECT granted_projects()))
    WITH CHECK (true);
CREATE POLICY reads ON environments USING (project_id IN (SELECT readable_projects()))
    WITH CHECK (true);
CREATE POLICY reads ON resources
    USING (EXISTS (SELECT 1 FROM environments e WHERE e.id = environment_id))
    WITH CHECK (true);
CREATE POLICY reads ON members USING (org_id IN (SELECT readable_orgs())) WITH CHECK (true);
CREATE POLICY reads ON teams USING (org_id IN (SELECT readable_orgs())) WITH CHECK (true);
CREATE POLICY reads ON team_members
    USING (EXISTS (SELECT 1 FROM teams t WHERE t.id = team_id)) WITH CHECK (true);
CREATE POLICY reads ON grants USING (project_id IN (SELECT readable_projects()))
    WITH CHECK (true);
CREATE POLICY own ON selection USING (login = session_user) WITH CHECK (login = session_user);
CREATE POLICY reads ON events FOR SELECT
    USING (org_id IS NULL
           OR org_id IN (SELECT whole_orgs())
           OR (org_gone(org_id) AND saw_removed_org(org_id))
           OR (((project_id IS NULL AND org_id IN (SELECT readable_orgs()))
                OR project_id IN (SELECT readable_projects()))
               AND shown(before) IS NOT DISTINCT FROM before
               AND shown(after) IS NOT DISTINCT FROM after));
CREATE POLICY writes ON events FOR INSERT WITH CHECK (event_writable(org_id, project_id));

-- Privileges: no member may change or remove an event, empty a table (TRUNCATE passes by
-- row-level security), or touch the bookkeeping of creations.
REVOKE UPDATE, DELETE, TRUNCATE ON events FROM PUBLIC;
REVOKE ALL ON org_creations FROM PUBLIC;
GRANT SELECT ON event_log TO PUBLIC;

-- What only the guards call: asking them about any id would tell what exists.
REVOKE EXECUTE ON FUNCTION created_now(bigint), standing(bigint),
    project_role(bigint, bigint), decide(text, bigint, bigint, bigint, boolean),
    require(text, bigint, bigint, bigint, boolean, text, text, text),
    project_org(bigint), env_project(bigint), env_written_now(bigint)
    FROM PUBLIC;
