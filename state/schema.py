"""The tables of the stores, by area. Each area is one SQLite file by default (so a sync's writes
never wait for the audit log's, nor the other way round) and one migration history
(`state/migrations/<area>/`); on PostgreSQL all areas share one database.

- auth (`auth.db_path`, `var/auth.db`): clients, revoked_tokens, used_assertions,
  login_failures, login_lockouts, officer_accounts;
- audit (`auth.audit_path`, `var/audit.db`): audit, audit_head;
- sync (`sync.state_path`, `var/sync.db`): checkpoints, versions, quarantine, quarantine_keys,
  reconciliations, redactions, runs, deferred_hooks, sync_holder;
- noc (`data_dir/noc.db`): noc, noc_events;
- alerts (`data_dir/alerts.db`): outbox, alert_cases, alert_learnt, ndso_pinned, remembered,
  remembered_keys, broadcasts, alert_feed.
- decisions (`data_dir/decisions.db`): judgements (supervisors' confirm and split of profiles).
- access (`data_dir/access.db`): access_requests, access_grants (hit-flag access: requests for
  records answered as hit-flags, supervisors' decisions on them, time-limited grants).

Types are chosen so both engines hold the same values: times are ISO 8601 text as the stores
have always written them (they compare as text, so `C` collation on PostgreSQL), flags are
integers, JSON is text (the audit log hashes what it wrote, byte for byte). These definitions are
what the migrations build; a test holds the two to each other on both engines.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# Text that compares bytewise on both engines (SQLite's BINARY, PostgreSQL's "C").
Str = sa.Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")
# 64-bit integers; on SQLite plain INTEGER, so that an INTEGER PRIMARY KEY is the rowid.
BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

AREAS = ("auth", "audit", "sync", "noc", "alerts", "decisions", "access")


def _id() -> sa.Column[int]:
    """An id the database assigns, increasing."""
    return sa.Column("id", BigInt, sa.Identity(), primary_key=True)


# -- auth -----------------------------------------------------------------------------------------

auth = sa.MetaData()

clients = sa.Table(
    "clients",
    auth,
    sa.Column("client_id", Str, primary_key=True),
    sa.Column("agency", Str, nullable=False),
    sa.Column("role", Str, nullable=False),
    sa.Column("scopes", Str, nullable=False),
    sa.Column("sources", Str),
    sa.Column("fields", Str),
    sa.Column("secret_hash", Str),
    sa.Column("jwks", Str),
    sa.Column("disabled", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", Str, nullable=False),
    sa.Column("updated_at", Str, nullable=False),
    sa.Column("description", Str),
    sa.Column("clearances", Str),
    sa.Column("cert_bound", sa.Integer, nullable=False, server_default="0"),
    sa.Column("cert_thumbprint", Str),
    sa.Column("hit_flag", Str),  # sources answered as hit-flags; NULL: the role's default
)

revoked_tokens = sa.Table(
    "revoked_tokens",
    auth,
    sa.Column("jti", Str, primary_key=True),
    sa.Column("client_id", Str),
    sa.Column("expires_at", BigInt, nullable=False),
    sa.Column("revoked_at", BigInt, nullable=False),
)

used_assertions = sa.Table(
    "used_assertions",
    auth,
    sa.Column("client_id", Str, primary_key=True),
    sa.Column("jti", Str, primary_key=True),
    sa.Column("expires_at", BigInt, nullable=False),
)

# Authorisation codes of the console's sign-in (`auth.authorization_codes`), kept hashed until
# redeemed or expired: in the state database, so that the callback may reach any API worker or
# machine, not only the one that issued the code.
authorization_codes = sa.Table(
    "authorization_codes",
    auth,
    sa.Column("digest", Str, primary_key=True),
    sa.Column("subject", Str, nullable=False),
    sa.Column("client_id", Str, nullable=False),
    sa.Column("redirect_uri", Str, nullable=False),
    sa.Column("code_challenge", Str, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)

# Failed client authentications at the token endpoints, per key (a client and address pair, or
# an address): shared by every API worker and machine, so N nodes do not allow N times the
# guesses, and a lock-out outlives a restart.
login_failures = sa.Table(
    "login_failures",
    auth,
    _id(),
    sa.Column("key", Str, nullable=False),
    sa.Column("at", sa.Float, nullable=False),  # epoch seconds
    sa.Index("login_failures_key", "key", "at"),
)

login_lockouts = sa.Table(
    "login_lockouts",
    auth,
    sa.Column("key", Str, primary_key=True),
    sa.Column("until", sa.Float, nullable=False),  # epoch seconds
)

# Officers who sign in to the console at the issuer's authorisation endpoint (`auth.accounts`):
# who they are (role, jurisdiction, clearances) and an scrypt hash of their password.
officer_accounts = sa.Table(
    "officer_accounts",
    auth,
    sa.Column("officer_id", Str, primary_key=True),
    sa.Column("name", Str, nullable=False),
    sa.Column("role", Str, nullable=False),
    sa.Column("state", Str),
    sa.Column("district", Str),
    sa.Column("police_station", Str),
    sa.Column("clearances", Str),
    sa.Column("password_hash", Str, nullable=False),
    sa.Column("disabled", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", Str, nullable=False),
)

# -- audit ----------------------------------------------------------------------------------------

audit_meta = sa.MetaData()

audit = sa.Table(
    "audit",
    audit_meta,
    sa.Column("seq", BigInt, primary_key=True, autoincrement=False),
    sa.Column("time", Str, nullable=False),
    sa.Column("actor", Str, nullable=False),
    sa.Column("agency", Str),
    sa.Column("client", Str),
    sa.Column("role", Str),
    sa.Column("actor_state", Str),
    sa.Column("actor_district", Str),
    sa.Column("route", Str, nullable=False),
    sa.Column("method", Str, nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("decision", Str, nullable=False),
    sa.Column("query", Str, nullable=False),
    sa.Column("purpose", Str),
    sa.Column("record_ids", Str, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("request_id", Str),
    sa.Column("reason", Str),
    sa.Column("prev_hash", Str, nullable=False),
    sa.Column("hash", Str, nullable=False),
    sa.Column("client_address", Str),
    sa.Column("user_agent", Str),
    sa.Index("audit_actor_district", "actor_state", "actor_district", "seq"),
)

# The chain's head, written in the same transaction as each entry: removing entries from the end
# shows, and on PostgreSQL its row lock is what serialises appends.
audit_head = sa.Table(
    "audit_head",
    audit_meta,
    sa.Column("id", sa.Integer, sa.CheckConstraint("id = 1"), primary_key=True),
    sa.Column("seq", BigInt, nullable=False),
    sa.Column("hash", Str, nullable=False),
)

# -- sync -----------------------------------------------------------------------------------------

sync = sa.MetaData()

checkpoints = sa.Table(
    "checkpoints",
    sync,
    sa.Column("source", Str, primary_key=True),
    sa.Column("stream", Str, primary_key=True),
    sa.Column("watermark", Str),  # newest source update time fully covered
    sa.Column("walk", Str),  # JSON: the walk in progress, NULL when none
    sa.Column("last_success", Str),  # when a walk last completed
    sa.Column("last_reconcile", Str),
    sa.Column("updated_at", Str, nullable=False),
    sa.Column("as_of", Str),  # the source's own time when the last completed walk began
    sa.Column("source_now", Str),  # the latest source time any walk has seen
)

versions = sa.Table(
    "versions",
    sync,
    sa.Column("record_id", Str, primary_key=True),
    sa.Column("source", Str, nullable=False),
    sa.Column("version", BigInt, nullable=False),  # source update time, epoch microseconds
    sa.Index("versions_by_source", "source"),
)

quarantine = sa.Table(
    "quarantine",
    sync,
    _id(),
    sa.Column("source", Str, nullable=False),
    sa.Column("collection", Str),
    sa.Column("native_id", Str, nullable=False),
    sa.Column("reason", Str, nullable=False),
    sa.Column("payload", Str, nullable=False),  # JSON, Aadhaar already removed
    sa.Column("version_hint", Str),
    sa.Column("fingerprint", Str, nullable=False),
    sa.Column("first_seen", Str, nullable=False),
    sa.Column("last_seen", Str, nullable=False),
    sa.Column("seen", sa.Integer, nullable=False, server_default="1"),
    sa.Column("resolved_at", Str),
    sa.Column("resolution", Str),
    # 1: indexed with data issues, listed for replay
    sa.Column("indexed", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("source", "fingerprint"),
    sa.Index("quarantine_open", "source", "resolved_at"),
    sa.Index("quarantine_native", "source", "native_id"),
)

# Identifiers written anywhere in a quarantined payload, so that a decision about a vehicle can
# ask whether a damaged or unreadable row mentions it (federation.noc).
quarantine_keys = sa.Table(
    "quarantine_keys",
    sync,
    sa.Column("entry_id", BigInt, nullable=False),
    sa.Column("kind", Str, nullable=False),  # registration, chassis, engine, or any
    sa.Column("value", Str, nullable=False),  # upper case, letters and digits only
    sa.Column("rev", Str, nullable=False),  # value reversed: fragments match by suffix
    sa.Index("quarantine_keys_value", "value"),
    sa.Index("quarantine_keys_rev", "rev"),
)

reconciliations = sa.Table(
    "reconciliations",
    sync,
    _id(),
    sa.Column("source", Str, nullable=False),
    sa.Column("at", Str, nullable=False),
    sa.Column("listed", sa.Integer, nullable=False),
    sa.Column("removed", sa.Integer, nullable=False),
    sa.Column("removed_ids", Str, nullable=False),  # JSON: the first ids removed
)

redactions = sa.Table(
    "redactions",
    sync,
    sa.Column("source", Str, primary_key=True),
    sa.Column("native_id", Str, primary_key=True),
    sa.Column("field", Str, primary_key=True),
    sa.Column("what", Str, nullable=False),
    sa.Column("first_seen", Str, nullable=False),
    sa.Column("seen", sa.Integer, nullable=False, server_default="1"),
)

runs = sa.Table(
    "runs",
    sync,
    _id(),
    sa.Column("source", Str, nullable=False),
    sa.Column("started_at", Str, nullable=False),
    sa.Column("finished_at", Str),
    sa.Column("full", sa.Integer, nullable=False),
    sa.Column("status", Str, nullable=False),
    sa.Column("error", Str),
    sa.Column("counts", Str),
)

# Batches a full sync's bulk load wrote before the sync's hooks (the alert step, NOC revocation)
# ran over them: the hooks run once the load is current, and these rows go as each batch's hooks
# return. Written in the transaction that moves the batch's checkpoint, so a crash during or after
# the load leaves them for the next run to hook (`connectors.engine`), never skips them.
deferred_hooks = sa.Table(
    "deferred_hooks",
    sync,
    _id(),
    sa.Column("source", Str, nullable=False),
    sa.Column("record_ids", Str, nullable=False),  # JSON: the batch's ids, in write order
)

# Who holds the sync lock of a shared (PostgreSQL) state: the lock itself is an advisory lock
# held by the sync's session; this row only names the holder while it holds it.
sync_holder = sa.Table(
    "sync_holder",
    sync,
    sa.Column("id", sa.Integer, sa.CheckConstraint("id = 1"), primary_key=True),
    sa.Column("note", Str, nullable=False),  # JSON {pid, host, started_at, sources}
)

# -- noc ------------------------------------------------------------------------------------------

noc_meta = sa.MetaData()

noc = sa.Table(
    "noc",
    noc_meta,
    sa.Column("noc_id", Str, primary_key=True),
    sa.Column("issued_at", Str, nullable=False),
    sa.Column("registration_no", Str),
    sa.Column("chassis_no", Str),
    sa.Column("engine_no", Str),
    sa.Column("decision", Str, nullable=False),
    sa.Column("reasons", Str, nullable=False),
    sa.Column("certificate", Str, nullable=False),
    sa.Column("issued_to", Str, nullable=False),
    sa.Column("expires_at", Str),
    sa.Column("audience", Str),
    sa.Column("purpose", Str),
    sa.Column("evidence", Str),  # JSON: each source's last successful sync the decision rested on
    sa.Column("revoked_at", Str),
    sa.Column("revoked_reason", Str),
    sa.Index("noc_registration", "registration_no", "issued_at"),
)

noc_events = sa.Table(
    "noc_events",
    noc_meta,
    _id(),
    sa.Column("at", Str, nullable=False),
    sa.Column("kind", Str, nullable=False),  # noc_revoked
    sa.Column("noc_id", Str, nullable=False),
    sa.Column("registration_no", Str),
    sa.Column("record_id", Str),  # the report that caused it
    sa.Column("detail", Str, nullable=False),
    sa.Column("picked_at", Str),  # set by whoever acted on it (the alerts work)
    sa.Index("noc_events_pending", "picked_at", "id"),
)

# -- alerts ---------------------------------------------------------------------------------------

alerts = sa.MetaData()

# What the alerts work has to send, written in the transaction that decided it, sent later by
# whichever worker claims it (a lease, so that a worker that dies leaves it to another).
outbox = sa.Table(
    "outbox",
    alerts,
    _id(),
    sa.Column("created_at", Str, nullable=False),
    sa.Column("kind", Str, nullable=False),  # e.g. watch_hit, noc_revoked
    sa.Column("channel", Str, nullable=False),  # feed, webhook, smtp, sms
    sa.Column("recipient", Str, nullable=False),
    sa.Column("dedup_key", Str, nullable=False),  # one message per key: a re-run adds nothing
    sa.Column("payload", Str, nullable=False),  # JSON
    sa.Column("status", Str, nullable=False, server_default="pending"),  # pending, sent, dead
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", Str, nullable=False),
    sa.Column("claimed_by", Str),
    sa.Column("claimed_until", Str),
    sa.Column("sent_at", Str),
    sa.Column("last_error", Str),
    sa.UniqueConstraint("dedup_key", name="outbox_dedup_key"),
    sa.Index("outbox_due", "status", "next_attempt_at", "id"),
)

# The open cases the alert matchers compare a changed record with: one row per missing or found
# report and per stolen report or registration, kept by the alert step (`alerts.store`) from what
# each sync wrote. The columns are what retrieval filters on; `features` is the rest (JSON).
alert_cases = sa.Table(
    "alert_cases",
    alerts,
    sa.Column("record_id", Str, primary_key=True),
    sa.Column("side", Str, nullable=False),  # missing, found, stolen, registration
    sa.Column("gender", Str),
    sa.Column("born_from", sa.Integer),  # birth-year range the report's ages allow
    sa.Column("born_to", sa.Integer),
    sa.Column("chassis_tail", Str),  # last five characters, what a partial report keeps
    sa.Column("engine_tail", Str),
    sa.Column("features", Str, nullable=False),
    sa.Column("updated_at", Str, nullable=False),
    sa.Index("alert_cases_people", "side", "gender", "born_from"),
    sa.Index("alert_cases_chassis", "chassis_tail", "side"),
    sa.Index("alert_cases_engine", "engine_tail", "side"),
)

# What the matchers learnt from pairs they were sure of (the same name, sex and age): one row per
# sure pair and described feature, whether its two reports describe the feature alike
# (`alerts.shares`). Rows, not running counts, so that a pair seen again (by another sync's
# process) replaces its observation instead of counting twice; `reading` is the version of how
# "alike" was read when it was learnt, and only the current reading's rows are counted.
alert_learnt = sa.Table(
    "alert_learnt",
    alerts,
    sa.Column("pair", Str, primary_key=True),
    sa.Column("feature", Str, primary_key=True),
    sa.Column("reading", sa.Integer, nullable=False),
    sa.Column("alike", sa.Integer, nullable=False),
)

# The sexual-offender register as it stood before a bulk load (`alerts.ndso.NdsoMatcher.pin`):
# one row per offender (his first registering record) with the record ids then his, and one row
# `PIN_MARK` saying a pin is held (an empty register pinned is still a pin). Kept until the
# load's batches are all matched, so that a process killed meanwhile matches the rest against
# the register before the load, not against the loaded index.
ndso_pinned = sa.Table(
    "ndso_pinned",
    alerts,
    sa.Column("offender", Str, primary_key=True),
    sa.Column("record_ids", Str, nullable=False),  # JSON list
)

# Searches remembered for retro-hits (`expires_at`: the window, 5 days by default) and watches
# (no expiry), each with the keys a new record must share to be compared with it.
remembered = sa.Table(
    "remembered",
    alerts,
    _id(),
    sa.Column("created_at", Str, nullable=False),
    sa.Column("expires_at", Str),  # null: a watch, until removed
    sa.Column("kind", Str, nullable=False),  # person_search, vehicle_search, watch
    sa.Column("subject", Str, nullable=False),  # the officer (or client) to tell
    sa.Column("query", Str, nullable=False),  # JSON
    sa.Column("min_score", sa.Float, nullable=False, server_default="0"),
    sa.Column("results", Str, nullable=False),  # JSON: record ids already shown
    sa.Index("remembered_expiry", "expires_at"),
)
remembered_keys = sa.Table(
    "remembered_keys",
    alerts,
    sa.Column("remembered_id", BigInt, nullable=False),
    sa.Column("key", Str, nullable=False),
    sa.PrimaryKeyConstraint("key", "remembered_id", name="remembered_keys_pk"),
)

# Cri-MAC broadcasts: a supervisor's message to the police stations of chosen states and
# districts; delivery and acknowledgement per station are read from the outbox and the feed.
broadcasts = sa.Table(
    "broadcasts",
    alerts,
    _id(),
    sa.Column("created_at", Str, nullable=False),
    sa.Column("sender", Str, nullable=False),
    sa.Column("category", Str, nullable=False),  # heinous_crime, wanted_person, stolen_vehicle
    sa.Column("message", Str, nullable=False),
    sa.Column("recipients", Str, nullable=False),  # JSON list of station recipients
)

# What each recipient's feed holds: an alert delivered to a station (or district desk), until
# someone there acknowledges it. Written by the delivery worker from the outbox's `feed` channel,
# once per `dedup_key`.
alert_feed = sa.Table(
    "alert_feed",
    alerts,
    _id(),
    sa.Column("created_at", Str, nullable=False),
    sa.Column("recipient", Str, nullable=False),  # station:MH/0412, district:DL/EAST DELHI
    sa.Column("kind", Str, nullable=False),
    sa.Column("dedup_key", Str, nullable=False),
    sa.Column("payload", Str, nullable=False),  # JSON
    sa.Column("acknowledged_at", Str),
    sa.Column("acknowledged_by", Str),
    sa.UniqueConstraint("dedup_key", name="alert_feed_dedup_key"),
    sa.Index("alert_feed_recipient", "recipient", "id"),
)

# -- decisions ------------------------------------------------------------------------------------

decisions_meta = sa.MetaData()

# Supervisors' judgements on pairs of records (`federation.decisions`): record ids are stable
# across re-syncs and rebuilds, and these rows live outside the index, so a judgement outlives
# both. One row per pair (a < b); the newest decision on a pair replaces the older.
judgements = sa.Table(
    "judgements",
    decisions_meta,
    sa.Column("a", Str, primary_key=True),
    sa.Column("b", Str, primary_key=True),
    sa.Column("verdict", Str, nullable=False),  # same, different
    sa.Column("reason", Str, nullable=False),
    sa.Column("decided_by", Str, nullable=False),
    sa.Column("decided_at", Str, nullable=False),
    sa.Column("decision_id", Str, nullable=False),
    sa.Index("judgements_b", "b"),
)

# -- access ---------------------------------------------------------------------------------------

access_meta = sa.MetaData()

# Requests for the full records behind a hit-flag (`federation.access`): who asked, why, for which
# records (a JSON list of record ids), whose supervisors decide (`owner_state`: the owning state
# police), and the decision. One row per request; a decided request is never decided again.
access_requests = sa.Table(
    "access_requests",
    access_meta,
    sa.Column("request_id", Str, primary_key=True),
    sa.Column("created_at", Str, nullable=False),
    sa.Column("requester", Str, nullable=False),  # "<role>:<subject>", the only one it serves
    sa.Column("requester_agency", Str),
    sa.Column("record_ids", Str, nullable=False),
    sa.Column("source", Str, nullable=False),
    sa.Column("owner_state", Str, nullable=False),
    sa.Column("police_station", Str),
    sa.Column("reason", Str, nullable=False),
    sa.Column("case_reference", Str, nullable=False),
    sa.Column("status", Str, nullable=False),  # pending, approved, refused
    sa.Column("decided_by", Str),
    sa.Column("decided_at", Str),
    sa.Column("decision_reason", Str),
    sa.Column("expires_at", Str),  # approved: when the grant ends
    sa.Index("access_requests_owner", "owner_state", "status"),
    sa.Index("access_requests_requester", "requester", "created_at"),
)

# What an approved request opens: one row per record, for that requester only, until expires_at.
access_grants = sa.Table(
    "access_grants",
    access_meta,
    sa.Column("request_id", Str, primary_key=True),
    sa.Column("record_id", Str, primary_key=True),
    sa.Column("requester", Str, nullable=False),
    sa.Column("expires_at", Str, nullable=False),
    sa.Index("access_grants_requester", "requester", "expires_at"),
)

METADATA: dict[str, sa.MetaData] = {
    "auth": auth,
    "audit": audit_meta,
    "sync": sync,
    "noc": noc_meta,
    "alerts": alerts,
    "decisions": decisions_meta,
    "access": access_meta,
}
