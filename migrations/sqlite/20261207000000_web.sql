-- Issue 10: users, sessions, API tokens, corrections and item assignment
-- for the web service (sqlite dialect; the other dialect holds the same).

-- People who sign in. role: collector | partner | analyst | admin.
-- partner_email ties a partner to the clients they own (clients.partner_email).
-- password_hash is an argon2id PHC string; the password itself is never kept.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    partner_email TEXT,
    password_hash TEXT NOT NULL,
    disabled      BIGINT NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

-- Browser sessions. token_hash is sha256 of the cookie's random token, so a
-- copy of the database signs nobody in; csrf is the session's form token.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Bearer tokens of API clients, hashed like sessions.
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label      TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- A person's relabel of an item: the labels before and after and the text
-- the model read, so `corrections export` needs no re-parse.
CREATE TABLE corrections (
    id         INTEGER PRIMARY KEY,
    item_id    BIGINT NOT NULL REFERENCES items (id),
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL,
    old_labels TEXT NOT NULL,
    new_labels TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX corrections_at ON corrections (at, id);

-- Who works an item now (a user name; NULL: nobody yet).
ALTER TABLE items ADD COLUMN assignee TEXT;

-- An item's audit trail, read on its page.
CREATE INDEX audit_log_item ON audit_log (item_id, seq);
