"""`indexer.labels.LabelLookup` on Elasticsearch/OpenSearch: which stored records hold a FIR.

A FIR is asked for without its state (`records.firs`); a stored FIR holds it when it ends with
it (`KL/0412/2024/123`, or the stateless `0412/2024/123` of an inmate's case): read as a prefix
of the reversed identifiers (`ids_rev`), and checked on the record, since a longer station code
ending in the same digits shares the prefix.

Read by search on the records' identifiers, after a refresh of the index (once per lookup, and
only when a batch holds FIRs), so that records written a moment ago by another batch are seen:
a label that missed them would leave a sexual-offence case readable to uncleared callers.
Two writers racing on the same FIR in the same instant can still miss each other; the embedded
backend, which serialises writes, cannot.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from indexer.backends.engines import Engine
from indexer.documents import id_term
from indexer.labels import CASE_LABELS, firs_of
from records import IdType, Record, Sensitivity

_CHUNK = 200  # FIRs per search: one prefix clause each, under the engine's 1,024 clauses
_MAX_HITS = 10_000  # records of 200 FIRs: co-accused, inmates, seized vehicles — far fewer


class ElasticLabelLookup:
    def __init__(self, engine: Engine, index: str) -> None:
        self._engine = engine
        self._index = index
        self._refreshed = False

    def _hits(self, firs: Collection[str], labelled: bool) -> Iterator[Record]:
        if not self._refreshed:
            self._engine.admin.refresh(self._index)
            self._refreshed = True
        wanted = sorted(firs)
        for start in range(0, len(wanted), _CHUNK):
            ends = [
                {"prefix": {"ids_rev": id_term(IdType.FIR, f[::-1])}}
                for f in wanted[start : start + _CHUNK]
            ]
            clauses: list[dict[str, Any]] = [{"bool": {"should": ends, "minimum_should_match": 1}}]
            if labelled:
                clauses.append({"terms": {"labels": sorted(x.value for x in CASE_LABELS)}})
            body = {
                "query": {"bool": {"filter": clauses}},
                "_source": ["record"],
                "size": _MAX_HITS,
            }
            for hit in self._engine.docs.search(self._index, body)["hits"]["hits"]:
                yield Record.model_validate(hit["_source"]["record"])

    def fir_labels(self, firs: Collection[str]) -> dict[str, frozenset[Sensitivity]]:
        wanted = set(firs)
        out: dict[str, set[Sensitivity]] = {}
        for record in self._hits(wanted, labelled=True):
            for fir in firs_of(record) & wanted:
                out.setdefault(fir, set()).update(record.sensitivity)
        return {fir: frozenset(labels) for fir, labels in out.items()}

    def holding(self, firs: Collection[str]) -> list[Record]:
        wanted = set(firs)
        hits = (r for r in self._hits(wanted, labelled=False) if firs_of(r) & wanted)
        return list({r.record_id: r for r in hits}.values())
