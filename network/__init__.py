"""Network link analysis: a graph of records and the values they share (phones, UPI ids, bank
accounts, e-mails, addresses, vehicles, licences, FIRs), stored beside the index and kept
current by the sync; walked per request under the caller's policy, analysed with networkx.

`NetworkService` is what the API and the console call; `hook.sync_hook` keeps the store current;
`hook.rebuild` builds it in full."""

from .extract import value_node
from .model import Edge, NodeKind, node_id, record_node, split_node
from .service import NetworkAnswer, NetworkService, NodeOut, PathsAnswer
from .store import GraphStore

__all__ = [
    "Edge",
    "GraphStore",
    "NetworkAnswer",
    "NetworkService",
    "NodeKind",
    "NodeOut",
    "PathsAnswer",
    "node_id",
    "record_node",
    "split_node",
    "value_node",
]
