-- The outbox sender (issue 6 items 1-2, issue 7): a notice claimed by a process that died is sent
-- again (claimed_at is cleared at start), each notice keeps its own attempt count and the time
-- before which it is not tried again, and one that is given up says so (given_up_at) so the office
-- can list it; failure keeps the last error.

ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT;
ALTER TABLE outbox ADD COLUMN given_up_at TEXT;

-- Notices the earlier code failed ("may have been delivered", blocked, ...) stay failed.
UPDATE outbox SET given_up_at = COALESCE(claimed_at, created_at) WHERE failure IS NOT NULL AND sent_at IS NULL;

-- What is still to be sent: the recovery at start and the sender's look read only these rows.
CREATE INDEX outbox_waiting ON outbox (id) WHERE sent_at IS NULL AND given_up_at IS NULL;
-- Given-up notices, newest first, for the office's list.
CREATE INDEX outbox_given_up ON outbox (given_up_at) WHERE given_up_at IS NOT NULL;
-- The hamlet head a given-up resident's notice was passed to (to carry it by hand).
ALTER TABLE outbox ADD COLUMN passed_to INTEGER REFERENCES people(id);
