-- Officials granted on the server may never have opened the bot: Telegram delivers nothing to them
-- until they do. started_at is the first time the person wrote to the bot; username is their
-- @username as last seen, so administrators can tell people with the same name apart.
ALTER TABLE people ADD COLUMN started_at TEXT;
ALTER TABLE people ADD COLUMN username TEXT;

-- Everyone who wrote before this migration counts as started: residents, people who took an
-- invitation link, and officials granted on the server whose name was learnt from their first /start.
UPDATE people SET started_at = created_at
WHERE display_name IS NOT NULL
   OR id IN (SELECT person_id FROM residents)
   OR id NOT IN (SELECT person_id FROM roles WHERE granted_by IS NULL);
