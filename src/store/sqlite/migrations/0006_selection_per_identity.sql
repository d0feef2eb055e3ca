-- Schema version 6: the saved organization and project belong to the identity that saved them
-- (`proj org use`, `proj project use`, `proj init`), as they belong to the login on a shared
-- database: `--as` another member never reads a selection made by someone else, so it cannot
-- name a project hidden from them. `identity` is the email commands act as; '' is the
-- selection made with no identity (a file whose organizations have no members). The one-row
-- `selection` table keeps the saved identity; its organization and project move here.
CREATE TABLE selections (
    identity   TEXT PRIMARY KEY,
    org_id     INTEGER REFERENCES orgs(id) ON DELETE SET NULL,
    project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL
);
CREATE INDEX selections_by_org ON selections (org_id);
CREATE INDEX selections_by_project ON selections (project_id);
INSERT INTO selections (identity, org_id, project_id)
    SELECT coalesce(identity, ''), org_id, project_id FROM selection
    WHERE org_id IS NOT NULL OR project_id IS NOT NULL;
UPDATE selection SET org_id = NULL, project_id = NULL;
