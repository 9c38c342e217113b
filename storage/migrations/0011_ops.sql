-- Running it for real: the bot's own operational marks, the public board's consent, and the
-- commune an official of several communes is working in.

-- Small facts `python -m bot status` and /healthz read: the last reminder sweep, the last update
-- handled, the last backup, the health probe's last write. One row per key, overwritten.
CREATE TABLE ops_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The resident agreed, when sending, that the concern's text may be shown on the public board
-- (default: only its topic and hamlet are). They may withdraw it later; withdrawing sets it to 0.
ALTER TABLE concerns ADD COLUMN text_public INTEGER NOT NULL DEFAULT 0;

-- The commune an official holding roles in several communes chose with /commune (NULL: the first).
ALTER TABLE people ADD COLUMN active_commune_id TEXT REFERENCES communes(id);
