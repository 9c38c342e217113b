-- Zalo messages go through the same journal of received updates and the same ledger of handled updates as
-- Telegram's updates (issue 9): a Zalo message is journaled before it is handled, recorded as handled in
-- the transaction that keeps the person's new dialog position, and replayed after a crash if it never was.

-- `update_id` has no declared type: Telegram's integer update ids and Zalo's string message ids are kept
-- exactly as given (an INTEGER column would turn a Zalo id made of digits into a number, or a REAL).
-- `answer`: for a Zalo message handled to its end, the replies decided (a JSON list of texts) until they
-- were sent; a crash in between sends them at the next start, and does not handle the message again.
CREATE TABLE received_updates_new (
    channel     TEXT    NOT NULL,
    update_id           NOT NULL,
    raw         TEXT    NOT NULL,
    received_at TEXT    NOT NULL,
    replays     INTEGER NOT NULL DEFAULT 0,
    answer      TEXT,
    PRIMARY KEY (channel, update_id)
) WITHOUT ROWID;
INSERT INTO received_updates_new (channel, update_id, raw, received_at, replays)
    SELECT channel, update_id, raw, received_at, replays FROM received_updates;
DROP TABLE received_updates;
ALTER TABLE received_updates_new RENAME TO received_updates;

CREATE TABLE handled_updates_new (
    channel    TEXT NOT NULL,
    update_id       NOT NULL,
    handled_at TEXT NOT NULL,
    PRIMARY KEY (channel, update_id)
);
INSERT INTO handled_updates_new (channel, update_id, handled_at)
    SELECT channel, update_id, handled_at FROM handled_updates;
INSERT OR IGNORE INTO handled_updates_new (channel, update_id, handled_at)
    SELECT 'zalo', message_id, handled_at FROM zalo_handled;
DROP TABLE handled_updates;
ALTER TABLE handled_updates_new RENAME TO handled_updates;
DROP TABLE zalo_handled;

-- A notice's numbered choices and an open flow (issue 9): a number answers the list shown last. A notice
-- answered while a flow was open sets that flow `aside` (JSON: step, draft, choices) and takes it up again
-- once the notice's own exchange is over; a notice whose list was passed over by a flow (`notice_aside`)
-- is offered again, under its first line (`notice_title`), once that flow ended.
ALTER TABLE dialog_positions ADD COLUMN notice_title TEXT NOT NULL DEFAULT '';
ALTER TABLE dialog_positions ADD COLUMN notice_aside INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dialog_positions ADD COLUMN aside TEXT;
