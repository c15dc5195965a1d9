"""One connector per source and the sync engine that pulls them into the index.

Entry points: `run_sync` (one run over the configured sources), `sync_status` (what
`GET /v1/sync/status` shows), `replay_quarantine`, `open_connector` (point look-ups such as
`VahanConnector.lookup_registration`), the `RecordSink` protocol the index backend fulfils, and
`SyncLock` / `SyncBusy` (one sync per state file at a time; `run_sync` takes the lock itself).
"""

from connectors.engine import SyncEngine, run_sync
from connectors.lock import SyncBusy, SyncLock
from connectors.registry import CONNECTORS, open_connector
from connectors.replay import replay_quarantine
from connectors.report import Progress, RecordSink, SourceReport, SyncReport
from connectors.status import sync_status

__all__ = [
    "CONNECTORS",
    "Progress",
    "RecordSink",
    "SourceReport",
    "SyncBusy",
    "SyncEngine",
    "SyncLock",
    "SyncReport",
    "open_connector",
    "replay_quarantine",
    "run_sync",
    "sync_status",
]
