-- Schema version 4 (teams). A team is a named group of members of one organization; it holds
-- grants the way a member does. (Version 3 is 0003: emails compared case-insensitively.)

CREATE TABLE teams (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    slug         TEXT NOT NULL,
    display_name TEXT,
    description  TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (org_id, slug)
);

-- Membership of one member in one team; a member and their team share the organization
-- (the store only joins members of the team's organization).
CREATE TABLE team_members (
    team_id    INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (team_id, member_id)
) WITHOUT ROWID;
CREATE INDEX team_members_by_member ON team_members (member_id, team_id);

-- A grant is held by exactly one member or one team. SQLite cannot relax `member_id NOT NULL`
-- in place, so the table is rebuilt with the same ids, rows and index names.
CREATE TABLE grants_v4 (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER REFERENCES members(id) ON DELETE CASCADE,
    team_id        INTEGER REFERENCES teams(id) ON DELETE CASCADE,
    project_id     INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    environment_id INTEGER REFERENCES environments(id) ON DELETE CASCADE,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'developer', 'viewer')),
    created_at     TEXT NOT NULL,
    CHECK ((member_id IS NULL) <> (team_id IS NULL))
);
INSERT INTO grants_v4 (id, member_id, team_id, project_id, environment_id, role, created_at)
    SELECT id, member_id, NULL, project_id, environment_id, role, created_at FROM grants;
DROP TABLE grants;
ALTER TABLE grants_v4 RENAME TO grants;

-- One grant per holder and project (project-wide) and per holder and environment. NULLs are
-- distinct in a unique index, so a team's rows never collide in the member indexes.
CREATE UNIQUE INDEX grants_project_wide ON grants (member_id, project_id) WHERE environment_id IS NULL;
CREATE UNIQUE INDEX grants_env_scoped ON grants (member_id, environment_id) WHERE environment_id IS NOT NULL;
CREATE UNIQUE INDEX grants_team_project_wide ON grants (team_id, project_id) WHERE environment_id IS NULL;
CREATE UNIQUE INDEX grants_team_env_scoped ON grants (team_id, environment_id) WHERE environment_id IS NOT NULL;
CREATE INDEX grants_by_member ON grants (member_id);
CREATE INDEX grants_by_team ON grants (team_id);
CREATE INDEX grants_by_project ON grants (project_id);
CREATE INDEX grants_by_environment ON grants (environment_id);

-- The adds, removals and restores of organizations and projects, which `proj log` and
-- `proj restore` follow ids through, without reading the rest of the log.
CREATE INDEX events_by_action ON events (action, id);
