-- Schema version 5: a member may name the database login that acts as them (team mode, where
-- the identity is the login, not an email; `proj member add EMAIL --login NAME`). A file keeps
-- it so a backup of a shared database holds the same members, and so the layout moves both
-- ways. One login is at most one member of an organization.
ALTER TABLE members ADD COLUMN login TEXT;
CREATE UNIQUE INDEX members_by_login ON members (login, org_id) WHERE login IS NOT NULL;
