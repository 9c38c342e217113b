-- Several notices awaiting an answer (issue 9, Zalo): a newer notice with choices no longer erases an older
-- unanswered one's. The older ones wait in `waiting_notices` (JSON list, oldest first, each {"choices", "title"});
-- once the newest is answered (or passed over and done with), the newest still waiting is offered again,
-- unless the service says it no longer needs an answer (an invitation cancelled, a verdict already given).
ALTER TABLE dialog_positions ADD COLUMN waiting_notices TEXT NOT NULL DEFAULT '[]';
