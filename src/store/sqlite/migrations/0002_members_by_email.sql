-- Schema version 2: find every membership of one person without visiting each organization.
CREATE INDEX members_by_email ON members (email);
