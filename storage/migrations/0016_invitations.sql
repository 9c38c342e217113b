-- Issue 8: the MTTQ's invitation list of a dialogue, what became of each invitation (delivered by chat
-- or by hand, the answer, attendance), who chairs by delegation, and the plan's dialogue deadlines
-- reminded once each (the database, not the job queue, says what is due).

CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    dialogue_id INTEGER NOT NULL REFERENCES dialogues(id),
    commune_id TEXT NOT NULL REFERENCES communes(id),
    hamlet_id TEXT,
    person_id INTEGER REFERENCES people(id),  -- NULL: someone without Telegram, invited by name
    name TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('agenda', 'speaker', 'hamlet_head', 'representative', 'by_name', 'walk_in')),
    added_by INTEGER REFERENCES people(id),
    added_at TEXT NOT NULL,
    notice_id INTEGER REFERENCES outbox(id),  -- the invitation sent by chat (its delivery is the outbox's)
    issued_at TEXT,
    by_hand_at TEXT,  -- the hamlet head handed it over
    answer TEXT CHECK (answer IN ('yes', 'no', 'delegate')),
    delegate_name TEXT,
    answered_at TEXT,
    attended_at TEXT
);
CREATE UNIQUE INDEX one_invitation_per_person ON invitations (dialogue_id, person_id) WHERE person_id IS NOT NULL;
CREATE INDEX invitations_by_dialogue ON invitations (dialogue_id, hamlet_id, id);
CREATE INDEX invitations_by_person ON invitations (person_id) WHERE person_id IS NOT NULL;

ALTER TABLE dialogues ADD COLUMN invitations_issued_at TEXT;
ALTER TABLE dialogues ADD COLUMN chair_delegated_by INTEGER REFERENCES people(id);
ALTER TABLE dialogues ADD COLUMN public_notice_at TEXT;

-- A dialogue deadline's reminder, per person, kind and the day it fell due (not the day it went out):
-- one that fell due while the bot was down is sent once when it comes back, and never again.
CREATE TABLE deadline_reminders_sent (
    dialogue_id INTEGER NOT NULL REFERENCES dialogues(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    due_day TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (dialogue_id, person_id, kind, due_day)
) WITHOUT ROWID;

-- The officers' sweep: the last working day it ran per commune, so the days missed while down are caught up.
CREATE INDEX reminder_sweeps_by_commune ON reminder_sweeps (commune_id, on_day);
