-- The journal of received updates (issue 6 item 7): an update is written here before it is handed
-- to the handlers and deleted once its handling ended, so one in flight when the process was killed
-- is handled again at the next start (Telegram no longer has it: polling confirmed it already).
-- `raw` is the update as Telegram sent it (JSON); `replays` counts the starts that replayed it, so an
-- update that kills the process every time is given up. Rows live seconds; old ones are pruned.

CREATE TABLE received_updates (
    channel     TEXT    NOT NULL,
    update_id   INTEGER NOT NULL,
    raw         TEXT    NOT NULL,
    received_at TEXT    NOT NULL,
    replays     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, update_id)
) WITHOUT ROWID;
