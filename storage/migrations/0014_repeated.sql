-- Concerns raised again and again (issue 10): residents supporting a concern, the dialogues a concern
-- was raised at before, the office's proposed direction, promises made at a meeting, petition attempts.

-- A resident who said "this is also my concern" (nothing new is created: they follow this one).
CREATE TABLE concern_supporters (
    concern_id INTEGER NOT NULL REFERENCES concerns(id),
    resident_id INTEGER NOT NULL REFERENCES people(id),
    supported_at TEXT NOT NULL,
    PRIMARY KEY (concern_id, resident_id)
) WITHOUT ROWID;
CREATE INDEX concern_supporters_by_resident ON concern_supporters (resident_id, concern_id);

-- What a concern had become before it was raised again ("nêu lại"): the dialogue it was on and the
-- answer given there stay visible; its current dialogue is concerns.dialogue_id.
CREATE TABLE concern_earlier_rounds (
    id INTEGER PRIMARY KEY,
    concern_id INTEGER NOT NULL REFERENCES concerns(id),
    dialogue_id INTEGER REFERENCES dialogues(id),
    status TEXT NOT NULL,
    conclusion TEXT,
    conclusion_text TEXT,
    raised_again_at TEXT NOT NULL
);
CREATE INDEX concern_earlier_rounds_by_concern ON concern_earlier_rounds (concern_id, id);

-- The office's proposed direction and solution (dự kiến phương hướng, giải pháp) before the meeting.
ALTER TABLE concerns ADD COLUMN proposed_direction TEXT;

-- What the chair promised when answering at the meeting ("thay đèn trong tháng 12"), until done.
CREATE TABLE concern_promises (
    id INTEGER PRIMARY KEY,
    concern_id INTEGER NOT NULL REFERENCES concerns(id),
    commune_id TEXT NOT NULL REFERENCES communes(id),
    promise TEXT NOT NULL,
    due_date TEXT NOT NULL,
    made_by INTEGER REFERENCES people(id),
    made_at TEXT NOT NULL,
    done_at TEXT,
    reminded_on TEXT  -- the commune's day its last reminder was queued: one a day at most
);
CREATE INDEX concern_promises_open ON concern_promises (commune_id, due_date) WHERE done_at IS NULL;
CREATE INDEX concern_promises_by_concern ON concern_promises (concern_id) WHERE done_at IS NULL;

-- A resident chose a petition topic: nothing personal is kept, only the theme, hamlet and day.
CREATE TABLE petition_attempts (
    id INTEGER PRIMARY KEY,
    commune_id TEXT NOT NULL REFERENCES communes(id),
    category TEXT NOT NULL,
    hamlet_id TEXT NOT NULL,
    on_date TEXT NOT NULL
);
CREATE INDEX petition_attempts_by_commune ON petition_attempts (commune_id, on_date);

-- The review before a dialogue reads the commune's concerns raised more than once.
CREATE INDEX concerns_raised_again ON concerns (commune_id, raised_count) WHERE raised_count > 1;
-- A hamlet head's list of their hamlet's concerns, newest first.
CREATE INDEX concerns_by_hamlet ON concerns (commune_id, hamlet_id, submitted_at);
