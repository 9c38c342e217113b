-- Code lookups that found nothing the official may read, counted per person so that trying
-- codes one after another is slowed down, also across a restart.

CREATE TABLE code_lookup_failures (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    at TEXT NOT NULL
);
CREATE INDEX code_lookup_failures_by_person ON code_lookup_failures (person_id, at);
