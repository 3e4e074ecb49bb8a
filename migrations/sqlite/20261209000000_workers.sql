-- Issue 12, part 6: many workers. A poller (one per mailbox, by the lease
-- row in `mailbox_leases`) copies each message it fetches into `inbound`
-- and only then acknowledges it to the mailbox; workers claim rows with
-- `FOR UPDATE SKIP LOCKED` (on SQLite, whose writers take turns, a plain
-- UPDATE) and a lease (`lease_until`, epoch milliseconds),
-- renew it while they work and delete the row once the message's item is
-- stored. A claim whose lease ran out belongs to a dead worker and is
-- taken over. `sha256` is unique: the same bytes queued twice are one row
-- (and would be one stored message anyway).
CREATE TABLE inbound (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT NOT NULL UNIQUE,
    source      TEXT NOT NULL,
    source_ref  TEXT NOT NULL,
    raw         BLOB NOT NULL,
    arrived     TEXT,
    queued_at   TEXT NOT NULL,
    claimed_by  TEXT,
    lease_until BIGINT,
    claims      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX inbound_lease ON inbound (lease_until);

-- Who polls a mailbox: the holder renews `expires_ms` on every poll; a
-- standby takes the row over once it has expired.
CREATE TABLE mailbox_leases (
    mailbox    TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_ms BIGINT NOT NULL,
    since      TEXT NOT NULL
);
