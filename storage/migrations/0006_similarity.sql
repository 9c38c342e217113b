-- The words of every concern, folded (no diacritics, abbreviations spelt out, function words left
-- out) by bot/similarity.py, for finding similar concerns. rowid is the concern's id. Python folds
-- the text, so a trigger cannot fill this table: a lookup first indexes the concerns stored since
-- (their ids are above the highest indexed one; concern texts are never edited).
CREATE VIRTUAL TABLE concern_words USING fts5(
    commune,
    words,
    tokenize = "unicode61 remove_diacritics 2"
);
