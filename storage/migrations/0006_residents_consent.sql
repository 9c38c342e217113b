-- When a resident agreed to the privacy notice (UTC). Nothing is stored before that moment;
-- the phone number they may share with Telegram's contact button is residents.phone.
ALTER TABLE residents ADD COLUMN consented_at TEXT;
