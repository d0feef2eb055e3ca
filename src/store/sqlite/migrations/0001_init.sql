-- Schema version 1. Never edit a shipped migration: add the next numbered file instead.

CREATE TABLE orgs (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    display_name TEXT,
    created_at   TEXT NOT NULL
);

CREATE TABLE projects (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    slug         TEXT NOT NULL,
    display_name TEXT,
    description  TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (org_id, slug)
);
CREATE INDEX projects_by_slug ON projects (slug);

CREATE TABLE environments (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    slug         TEXT NOT NULL,
    display_name TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('development', 'staging', 'custom', 'production')),
    description  TEXT,
    protected    INTEGER NOT NULL DEFAULT 0 CHECK (protected IN (0, 1)),
    archived_at  TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (project_id, slug)
);

CREATE TABLE resources (
    id             INTEGER PRIMARY KEY,
    environment_id INTEGER NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    slug           TEXT NOT NULL,
    type           TEXT NOT NULL,
    description    TEXT,
    created_at     TEXT NOT NULL,
    UNIQUE (environment_id, slug)
);

CREATE TABLE members (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    name       TEXT,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at TEXT NOT NULL,
    UNIQUE (org_id, email)
);

-- A grant with environment_id NULL covers the whole project; one with an environment
-- replaces the project-wide role for that environment only.
CREATE TABLE grants (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    project_id     INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    environment_id INTEGER REFERENCES environments(id) ON DELETE CASCADE,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'developer', 'viewer')),
    created_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX grants_project_wide ON grants (member_id, project_id) WHERE environment_id IS NULL;
CREATE UNIQUE INDEX grants_env_scoped ON grants (member_id, environment_id) WHERE environment_id IS NOT NULL;
CREATE INDEX grants_by_member ON grants (member_id);
CREATE INDEX grants_by_project ON grants (project_id);
CREATE INDEX grants_by_environment ON grants (environment_id);

-- The audit log. Ids and slugs are copied, not referenced: events outlive what they describe.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    org_id     INTEGER,
    project_id INTEGER,
    target     TEXT NOT NULL,
    before     TEXT,
    after      TEXT
);
CREATE INDEX events_by_org ON events (org_id, id);
CREATE INDEX events_by_project ON events (project_id, id);

-- The saved selection (`proj org use`, `proj project use`, `proj init`): one row.
CREATE TABLE selection (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    org_id     INTEGER REFERENCES orgs(id) ON DELETE SET NULL,
    project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL,
    identity   TEXT
);
INSERT INTO selection (id) VALUES (1);
