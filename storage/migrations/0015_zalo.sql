-- Zalo: residents talk to the bot through the channel-neutral dialogs (bot/dialogs).

-- Where a person is in a dialog: the step's stable name (never a number that moves at a renumbering),
-- the draft being written, the choices last shown (so a typed "2" means what was shown as 2), and the
-- actions of the newest notice (so "1" answers it when its list is the last one the person saw).
CREATE TABLE dialog_positions (
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    step TEXT,
    draft TEXT NOT NULL DEFAULT '{}',
    choices TEXT NOT NULL DEFAULT '[]',
    page INTEGER NOT NULL DEFAULT 0,
    notice_choices TEXT NOT NULL DEFAULT '[]',
    notice_newest INTEGER NOT NULL DEFAULT 0,  -- the notice's list came after the last screen: its numbers win
    updated_at TEXT NOT NULL,
    PRIMARY KEY (channel, external_id)
);

-- Zalo messages already handled: Zalo has no update id, a redelivery is known by its message_id only.
CREATE TABLE zalo_handled (
    message_id TEXT PRIMARY KEY,
    handled_at TEXT NOT NULL
);
CREATE INDEX zalo_handled_by_time ON zalo_handled (handled_at);

-- Files received as a URL (Zalo's photos): the bytes are kept, since the URL may expire.
CREATE TABLE stored_files (
    id TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    content BLOB NOT NULL,
    created_at TEXT NOT NULL
);
