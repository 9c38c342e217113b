-- People, residents, concerns, attachments, audit log.

CREATE TABLE communes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

-- A person as a chat identity on one channel (Telegram now, Zalo later).
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    locale TEXT NOT NULL DEFAULT 'vi' CHECK (locale IN ('vi', 'en')),
    created_at TEXT NOT NULL,
    UNIQUE (channel, external_id)
);

-- A person registered as a resident of one commune and hamlet.
CREATE TABLE residents (
    person_id INTEGER PRIMARY KEY REFERENCES people(id),
    commune_id TEXT NOT NULL REFERENCES communes(id),
    hamlet_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    registered_at TEXT NOT NULL
);

CREATE TABLE concerns (
    id INTEGER PRIMARY KEY,
    commune_id TEXT NOT NULL REFERENCES communes(id),
    code TEXT NOT NULL UNIQUE,
    resident_id INTEGER NOT NULL REFERENCES people(id),
    hamlet_id TEXT NOT NULL,
    category TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    -- The draft's id: a re-delivered confirmation can never store the concern twice.
    submission_key TEXT NOT NULL UNIQUE,
    submitted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX concerns_by_resident ON concerns (resident_id, submitted_at);
CREATE INDEX concerns_by_commune_status ON concerns (commune_id, status, submitted_at);

CREATE TABLE concern_attachments (
    id INTEGER PRIMARY KEY,
    concern_id INTEGER NOT NULL REFERENCES concerns(id),
    kind TEXT NOT NULL CHECK (kind IN ('photo', 'voice', 'location', 'document')),
    file_ref TEXT,
    latitude REAL,
    longitude REAL
);

-- Who did what, when and why. Written in the same transaction as the change it records;
-- a concern's history is read from here.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    commune_id TEXT REFERENCES communes(id),
    actor_person_id INTEGER REFERENCES people(id),
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id INTEGER,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_by_subject ON audit_log (subject_type, subject_id, id);
