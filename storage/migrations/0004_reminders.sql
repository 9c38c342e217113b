-- Reminders before a due date and escalations after it: one row per person, notice and day,
-- written in the transaction that queues the notice, so a job run twice (or after a restart)
-- never pings anyone twice.

CREATE TABLE reminders_sent (
    assignment_id INTEGER NOT NULL REFERENCES assignments(id),
    recipient_person_id INTEGER NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    on_day TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (assignment_id, recipient_person_id, kind, on_day)
);
