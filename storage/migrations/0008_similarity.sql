-- The words of every concern as bot/similarity.py folds them (no diacritics, abbreviations spelt
-- out, function words left out), kept so that a restart does not fold every text again. Python
-- folds, so no trigger can fill this table: the matcher folds the concerns stored after the last
-- one found here (concern texts are never edited) before each lookup.
CREATE TABLE concern_words (
    concern_id INTEGER PRIMARY KEY,
    commune_id TEXT NOT NULL,
    words TEXT NOT NULL
);
