-- Dialogues and speaker registrations; the bot's own state (conversation
-- persistence, updates already handled) so that a restart loses nothing.

CREATE TABLE dialogues (
    id INTEGER PRIMARY KEY,
    commune_id TEXT NOT NULL REFERENCES communes(id),
    meeting_at TEXT NOT NULL,
    place TEXT NOT NULL,
    theme TEXT,
    status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'held', 'cancelled')),
    created_at TEXT NOT NULL
);
CREATE INDEX dialogues_by_commune ON dialogues (commune_id, status, meeting_at);

-- A wish to speak about one concern. dialogue_id stays NULL while no dialogue is
-- scheduled: the wish is kept on file and joins the next dialogue.
CREATE TABLE speaker_registrations (
    id INTEGER PRIMARY KEY,
    commune_id TEXT NOT NULL REFERENCES communes(id),
    concern_id INTEGER NOT NULL REFERENCES concerns(id),
    resident_id INTEGER NOT NULL REFERENCES people(id),
    dialogue_id INTEGER REFERENCES dialogues(id),
    point TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'registered' CHECK (status IN ('registered', 'withdrawn')),
    registered_at TEXT NOT NULL,
    withdrawn_at TEXT
);
CREATE UNIQUE INDEX one_live_registration_per_concern
    ON speaker_registrations (concern_id) WHERE status = 'registered';

CREATE TABLE bot_conversations (
    name TEXT NOT NULL,
    conversation_key TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (name, conversation_key)
);

CREATE TABLE bot_user_data (
    user_id INTEGER PRIMARY KEY,
    data TEXT NOT NULL
);

CREATE TABLE handled_updates (
    channel TEXT NOT NULL,
    update_id INTEGER NOT NULL,
    handled_at TEXT NOT NULL,
    PRIMARY KEY (channel, update_id)
);
