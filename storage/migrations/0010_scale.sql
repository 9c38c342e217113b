-- A province's data (100,000 concerns and more): every hot query finds its rows through an index
-- (tests/test_query_plans.py checks), and the daily reminder sweep remembers what it did.

-- A concern's attachments, read with every concern shown.
CREATE INDEX concern_attachments_by_concern ON concern_attachments (concern_id, id);
-- A dialogue's agenda (concerns attached to it), read when concluding and announcing.
CREATE INDEX concerns_by_dialogue ON concerns (dialogue_id, submitted_at) WHERE dialogue_id IS NOT NULL;
-- The followers of a concern (merged duplicates), read at every status change.
CREATE INDEX concerns_by_duplicate ON concerns (duplicate_of) WHERE duplicate_of IS NOT NULL;
-- Speaker registrations: a dialogue's speaking order, a resident's own, the wishes kept on file.
CREATE INDEX speakers_by_dialogue ON speaker_registrations (dialogue_id, status);
CREATE INDEX speakers_by_resident ON speaker_registrations (resident_id, status);
CREATE INDEX speakers_by_commune ON speaker_registrations (commune_id, dialogue_id, status);
-- Every assignment of a concern (ended ones too: the one extension stays with the concern).
CREATE INDEX assignments_by_concern ON assignments (concern_id, id);
-- Live assignments by the due date in force: the reminder sweep and /overdue read ranges of it.
CREATE INDEX assignments_live_by_due ON assignments (COALESCE(extended_to, due_date)) WHERE ended_at IS NULL;
-- An officer's live assignments by due date (none yet: last): /tasks reads its pages in this order.
CREATE INDEX assignments_live_by_officer_due
    ON assignments (officer_person_id, COALESCE(extended_to, due_date, '9999-12-31')) WHERE ended_at IS NULL;
-- ... and by body, then due date: /overdue reads its pages in this order.
CREATE INDEX assignments_live_by_body_due ON assignments (body, COALESCE(extended_to, due_date)) WHERE ended_at IS NULL;
-- The notices claimed but never marked sent, found at every start.
CREATE INDEX outbox_in_flight ON outbox (id) WHERE claimed_at IS NOT NULL AND sent_at IS NULL AND failure IS NULL;
-- A person's live roles, read for every official's update.
CREATE INDEX roles_by_person ON roles (person_id) WHERE revoked_at IS NULL;
-- Residents of a hamlet.
CREATE INDEX residents_by_hamlet ON residents (commune_id, hamlet_id);

-- The reminder sweep of a commune on a working day: run again that day (a restart), it looks only
-- at assignments made since (ids above last_assignment_id).
CREATE TABLE reminder_sweeps (
    commune_id TEXT NOT NULL REFERENCES communes(id),
    on_day TEXT NOT NULL,
    last_assignment_id INTEGER NOT NULL,
    swept_at TEXT NOT NULL,
    PRIMARY KEY (commune_id, on_day)
);

-- A long list sent to one person as one message (a day's reminders, a hamlet's conclusions): the
-- message shows its first page; the others are read from here when the person asks for them.
CREATE TABLE paged_notices (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The sweep records tens of thousands of (assignment, recipient, kind, day) rows a morning at a
-- province's scale, and reads them only by that key: one B-tree instead of a table and its key.
CREATE TABLE reminders_sent_by_key (
    assignment_id INTEGER NOT NULL REFERENCES assignments(id),
    recipient_person_id INTEGER NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    on_day TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (assignment_id, recipient_person_id, kind, on_day)
) WITHOUT ROWID;
INSERT INTO reminders_sent_by_key SELECT assignment_id, recipient_person_id, kind, on_day, sent_at FROM reminders_sent;
DROP TABLE reminders_sent;
ALTER TABLE reminders_sent_by_key RENAME TO reminders_sent;
