-- Schema version 3: emails compare case-insensitively (`Bo@Acme.dev` is `bo@acme.dev`), so
-- they are stored lowercased and every lookup lowercases what it is given; the indexes of
-- versions 1 and 2 (members (org_id, email), members_by_email) then serve those lookups.
--
-- Before this file runs, the runner refuses a file in which two members of one organization
-- differ only in case, naming them: which of the two is the person is not a guess to make.
-- `proj_lower_email` is the binary's own lowercase (Unicode, as `normalize_email`), registered
-- by the runner; SQL's `lower()` folds ASCII letters only.
UPDATE members SET email = proj_lower_email(email) WHERE email <> proj_lower_email(email);
UPDATE selection SET identity = proj_lower_email(identity)
    WHERE identity <> proj_lower_email(identity);
