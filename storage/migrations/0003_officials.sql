-- Officials: roles and their invitation links, screening and merging, the dialogue's
-- speakers and conclusions, assignments with working-day due dates, and an outbox so
-- every notification is written in the same transaction as the change it reports.

ALTER TABLE people ADD COLUMN display_name TEXT;
ALTER TABLE people ADD COLUMN forgotten_at TEXT;
ALTER TABLE residents ADD COLUMN phone TEXT;

CREATE TABLE roles (
    id INTEGER PRIMARY KEY,
    commune_id TEXT NOT NULL REFERENCES communes(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    role TEXT NOT NULL CHECK (role IN ('admin', 'chair', 'office', 'mttq', 'officer', 'hamlet_head')),
    body TEXT,
    hamlet_id TEXT,
    granted_by INTEGER REFERENCES people(id),
    granted_at TEXT NOT NULL,
    revoked_by INTEGER REFERENCES people(id),
    revoked_at TEXT
);
CREATE UNIQUE INDEX one_live_role ON roles (commune_id, person_id, role) WHERE revoked_at IS NULL;

-- One-time links that grant a role: single use, expiring, revocable.
CREATE TABLE role_invitations (
    token TEXT PRIMARY KEY,
    commune_id TEXT NOT NULL REFERENCES communes(id),
    role TEXT NOT NULL,
    body TEXT,
    hamlet_id TEXT,
    created_by INTEGER REFERENCES people(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_by INTEGER REFERENCES people(id),
    used_at TEXT,
    revoked_at TEXT
);

ALTER TABLE dialogues ADD COLUMN chair_person_id INTEGER REFERENCES people(id);
ALTER TABLE dialogues ADD COLUMN announced_on TEXT;
ALTER TABLE dialogues ADD COLUMN current_position INTEGER;

ALTER TABLE speaker_registrations ADD COLUMN review TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE speaker_registrations ADD COLUMN decline_reason TEXT;
ALTER TABLE speaker_registrations ADD COLUMN position INTEGER;
ALTER TABLE speaker_registrations ADD COLUMN called_at TEXT;

ALTER TABLE concerns ADD COLUMN dialogue_id INTEGER REFERENCES dialogues(id);
ALTER TABLE concerns ADD COLUMN duplicate_of INTEGER REFERENCES concerns(id);
ALTER TABLE concerns ADD COLUMN raised_count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE concerns ADD COLUMN entered_by INTEGER REFERENCES people(id);
ALTER TABLE concerns ADD COLUMN conclusion TEXT;
ALTER TABLE concerns ADD COLUMN conclusion_text TEXT;
ALTER TABLE concerns ADD COLUMN screening_note TEXT;

CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    concern_id INTEGER NOT NULL REFERENCES concerns(id),
    officer_person_id INTEGER NOT NULL REFERENCES people(id),
    body TEXT NOT NULL,
    assigned_by INTEGER REFERENCES people(id),
    assigned_at TEXT NOT NULL,
    due_date TEXT,
    extended_to TEXT,
    extension_reason TEXT,
    resolved_at TEXT,
    result TEXT,
    ended_at TEXT
);
CREATE UNIQUE INDEX one_live_assignment ON assignments (concern_id) WHERE ended_at IS NULL;
CREATE INDEX assignments_by_officer ON assignments (officer_person_id, ended_at);

-- Notifications to send. Written in the transaction of the change they report; the
-- dispatcher claims a row (committed) before sending it, so a restart never sends it twice.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    claimed_at TEXT,
    sent_at TEXT,
    failure TEXT
);
CREATE INDEX outbox_unclaimed ON outbox (claimed_at, id);
