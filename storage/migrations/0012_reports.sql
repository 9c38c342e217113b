-- Issue 11: referral upward, the chair's confirmation of conclusions, supervision notes of the MTTQ.
-- (Written as 0005_reports on the reports branch's brief; numbered after the migrations already on main.)

-- A conclusion "referred to a higher level or an outside body" names that body and waits for its answer.
ALTER TABLE concerns ADD COLUMN referred_to TEXT;
ALTER TABLE concerns ADD COLUMN referral_answer TEXT;
ALTER TABLE concerns ADD COLUMN referral_answered_at TEXT;
-- A conclusion the office entered for the chair is announced only once the chair confirmed it.
ALTER TABLE concerns ADD COLUMN conclusion_by INTEGER REFERENCES people(id);
ALTER TABLE concerns ADD COLUMN conclusion_confirmed_at TEXT;
-- Conclusions recorded before this migration were taken as the chair's: they stay announceable.
UPDATE concerns SET conclusion_confirmed_at = updated_at WHERE conclusion IS NOT NULL;

-- An extension past the plan's 30 working days, to a stated date a legal procedure (land, compensation) needs.
ALTER TABLE assignments ADD COLUMN legal_procedure INTEGER NOT NULL DEFAULT 0;

-- How satisfied the resident is, 1 to 5, asked whenever a concern is closed.
ALTER TABLE concerns ADD COLUMN satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 5);

-- A chair who chose to hear of every result too (the office always does).
CREATE TABLE result_followers (
    commune_id TEXT NOT NULL REFERENCES communes(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    since TEXT NOT NULL,
    PRIMARY KEY (commune_id, person_id)
);

-- The MTTQ's supervision notes on a concern or a dialogue; the office and the chair acknowledge them.
CREATE TABLE supervision_notes (
    id INTEGER PRIMARY KEY,
    commune_id TEXT NOT NULL REFERENCES communes(id),
    concern_id INTEGER REFERENCES concerns(id),
    dialogue_id INTEGER REFERENCES dialogues(id),
    author_person_id INTEGER NOT NULL REFERENCES people(id),
    text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((concern_id IS NULL) <> (dialogue_id IS NULL))
);
CREATE INDEX supervision_notes_by_commune ON supervision_notes (commune_id, created_at);

CREATE TABLE supervision_acks (
    note_id INTEGER NOT NULL REFERENCES supervision_notes(id),
    role TEXT NOT NULL CHECK (role IN ('office', 'chair')),
    person_id INTEGER NOT NULL REFERENCES people(id),
    at TEXT NOT NULL,
    PRIMARY KEY (note_id, role)
);
