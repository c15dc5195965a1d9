"""Sensitivity labels follow the data: every record written to the index is labelled from its own
content, and a case label follows the FIR to every record that shares it.

One place for every source: the backends call `label_batch` on what they are about to write and
`spread` on what they wrote, so a connector (or an import, or a rebuild) need not know which
offences are sensitive. What a record's offences call for is `records.offences` (data).

- **Content**: `records.offences.content_labels` reads the record's offence sections (a CCTNS
  `act_section`, an e-Prisons inmate's `cases[].sections`, …) and complaint categories; the
  labels a connector set are kept.
- **FIR**: the labels about the case (`CASE_LABELS`: a sexual offence is a fact about the FIR,
  not about one of its records) of any record holding a FIR go to every record holding the same
  FIR — an inmate admitted on it, a co-accused, a vehicle seized in it — whichever was written
  first. FIRs are compared without their state (`records.firs`: `{ps_code}/{year}/{number}`),
  since an e-Prisons case names its FIR by station code and number only: a label also reaches a
  FIR of the same station code, year and number in another state (codes repeat from state to
  state). That namesake case is over-labelled, never the inmate's own case under-labelled. A
  label, once spread, stays: on the record (rebuilds re-read stored records), and on the FIR (a
  new version of any of its records finds it on the others), even if the record that brought it
  loses it. Over-labelling hides a record from an uncleared officer, who can ask a cleared one;
  under-labelling discloses a victim. The index errs on the first side.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Protocol

from records import IdType, Record, Sensitivity
from records.firs import fir_without_state
from records.offences import content_labels

# Labels that describe the case, and so follow its FIR to every record that shares it.
CASE_LABELS = frozenset({Sensitivity.SEXUAL_OFFENCE})


class LabelLookup(Protocol):
    """What a backend answers about the records it already holds (inside its write)."""

    def fir_labels(self, firs: Collection[str]) -> Mapping[str, frozenset[Sensitivity]]:
        """The case labels carried by stored records holding each of `firs` (FIRs without
        their state, `firs_of`; a stored FIR, full or without its state, holds the one it ends
        with; FIRs whose records carry none may be left out)."""
        ...

    def holding(self, firs: Collection[str]) -> list[Record]:
        """Stored records holding any of `firs` (without their state, as in `fir_labels`)."""
        ...


def firs_of(record: Record) -> frozenset[str]:
    """The record's FIRs without their state, full and partial alike: the form a case label
    follows (an inmate's case that does not state its FIR's state still names its FIR)."""
    return frozenset(
        stateless
        for i in record.identifiers
        if i.type is IdType.FIR and (stateless := fir_without_state(i.value))
    )


def with_labels(record: Record, labels: Iterable[Sensitivity]) -> Record:
    wanted = frozenset(labels)
    if wanted <= record.sensitivity:
        return record
    return record.model_copy(update={"sensitivity": record.sensitivity | wanted})


def classified(records: Iterable[Record]) -> list[Record]:
    """Each record with the labels its own content calls for."""
    return [with_labels(r, content_labels(r)) for r in records]


def _case_labels_by_fir(records: Iterable[Record]) -> dict[str, set[Sensitivity]]:
    by_fir: dict[str, set[Sensitivity]] = {}
    for record in records:
        case = record.sensitivity & CASE_LABELS
        if case:
            for fir in firs_of(record):
                by_fir.setdefault(fir, set()).update(case)
    return by_fir


def label_batch(records: Sequence[Record], lookup: LabelLookup) -> list[Record]:
    """`records` (already `classified`) with the case labels of their FIRs, from the batch
    itself and from what the index holds."""
    firs = set().union(*(firs_of(r) for r in records)) if records else set()
    if not firs:
        return list(records)
    by_fir = _case_labels_by_fir(records)
    for fir, labels in lookup.fir_labels(firs).items():
        by_fir.setdefault(fir, set()).update(labels & CASE_LABELS)
    return [
        with_labels(r, set().union(*(by_fir.get(f, set()) for f in firs_of(r)))) for r in records
    ]


def spread(written: Sequence[Record], lookup: LabelLookup) -> list[Record]:
    """Stored records that share a FIR with a labelled record just written and lack its case
    labels, labelled: the caller writes them (same version, so only the labels change)."""
    by_fir = _case_labels_by_fir(written)
    if not by_fir:
        return []
    just_written = {r.record_id for r in written}
    out: list[Record] = []
    for stored in lookup.holding(by_fir):
        if stored.record_id in just_written:
            continue
        wanted = set().union(*(by_fir.get(f, set()) for f in firs_of(stored)))
        relabelled = with_labels(stored, wanted)
        if relabelled is not stored:
            out.append(relabelled)
    return out
