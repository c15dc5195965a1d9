"""Deterministic entity links, decided at index time, and the profiles they form.

A **link** joins two records that a strong identifier says are about the same person or vehicle.
Each link carries its reason and the shared value:

- `driving_licence`: both records carry the same (full) DL number.
- `passport`: both carry the same passport number.
- `fir`: a CCTNS accused and an e-Prisons inmate carry the same FIR of the same police station
  (`same_station`: keyed `{ps_code}/{year}/{number}`, since an inmate's case may not state the
  FIR's state, and a station code repeats from state to state; the states, or else the
  station's names, must then agree), their names
  agree (`NAME_AGREES`), nothing else they carry disagrees (`indexer.comparison.conflicts`: a
  father's name, a birth year, a gender), **and** the accused is the only co-accused of that FIR
  who fits the inmate so. The FIR alone is not enough: one FIR names several co-accused, who
  must not become one person; an inmate who fits two of them (`P. Suresh` and `S. Suresh`) is
  linked to neither. Two co-accused are never linked by it.
- `registration`, `chassis`: a Vahan registration and a CCTNS vehicle report carry the same
  registration or full chassis number. Chassis fragments (partial identifiers) never link: five
  characters do not identify a vehicle nationally. Two Vahan owner serials of one plate are not
  linked to each other (different owners); each links to the vehicle's reports.
- `owner_holder`: a Vahan owner and a Sarathi licence holder with the same normalised name
  (`matching.api.name_text`) and the same birth date, whose addresses agree (`ADDRESS_AGREES` of
  the shorter address's tokens appear in the other). Vahan's contract carries no birth date, so
  this fires only where a connector supplies one: name + address alone is too weak (a family
  shares an address, and often a name).

Every record sharing a **link key** with another (`link_keys`) is a pair to decide (`decide`);
the key makes the lookup an index probe rather than a scan.

An **index profile** is a cluster of the link graph: links are taken strongest first (DL and
passport, then registration and chassis, then FIR, then owner ↔ holder) and a link that would
put two records with a cannot-link (`indexer.comparison.conflicts`) in one cluster is not
followed, unless it joins those two records directly. So a chain of links never fuses people who
disagree (an inmate linked to two co-accused, a plate's two owners through its theft report).
Its label is derived from the smallest `record_id` in the cluster (`cluster_label`): the same
data gives the same labels on every re-sync and every rebuild, whatever order records arrive in.
The links are as much a function of the records as the labels: where a write changes what other
holders of a key are linked by (a FIR's co-accused compete for its inmate; a key past
`MAX_HOLDERS` links nothing), those holders are re-decided with it (`_contested`), so that the
links do not depend on which record came first (docs/decisions.md, "The same records give the
same answers"); a delete or an update re-decides the holders left of the keys the record held.
The label is internal (query-time grouping reads it); what callers see is the sealed profile id
of `federation.profile_ids`. When a record joins, leaves or changes, only the components it
touches are recomputed (`LinkEngine.relink`), read hop by hop for the whole batch at once and
followed at most `MAX_HOPS` links away.

Guard against bad data: a link key held by more than `MAX_HOLDERS` records is a placeholder (a
DL number of all zeros, a dummy passport), not an identifier, and links nothing; otherwise one
typo'd default value would fuse thousands of people into one profile.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Protocol

from indexer.backends.base import IndexLink
from indexer.comparison import Similarity, conflicts
from indexer.sides import Side, sides_of
from matching.api import name_text
from records import IdType, Kind, Person, PersonRole, Record, Source
from records.firs import fir_without_state

NAME_AGREES = 0.8  # matching score above which two names on one FIR are the same person
ADDRESS_AGREES = 0.6  # share of the shorter address's tokens found in the other
MAX_HOLDERS = 50  # records sharing one link key beyond which the key is a placeholder
MAX_HOPS = 32  # how far a profile is followed from the records a write touched

REASONS = ("driving_licence", "passport", "fir", "registration", "chassis", "owner_holder")
# Which links are followed first when a cluster is formed: an identifier of the person before
# one of a vehicle, before a shared FIR, before the owner ↔ holder agreement.
_STRENGTH = {"driving_licence": 0, "passport": 0, "registration": 1, "chassis": 1, "fir": 2}

_ADDRESS_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def _is(record: Record, source: Source, kind: Kind) -> bool:
    return record.source is source and record.kind is kind


def _vehicle_side(record: Record) -> bool:
    return _is(record, Source.VAHAN, Kind.VEHICLE_REGISTRATION) or _is(
        record, Source.CCTNS, Kind.VEHICLE_REPORT
    )


def _is_inmate(record: Record) -> bool:
    return _is(record, Source.EPRISONS, Kind.INMATE)


def _fir_side(record: Record) -> bool:
    return _is(record, Source.CCTNS, Kind.ACCUSED) or _is(record, Source.EPRISONS, Kind.INMATE)


def _owner_holder_people(record: Record) -> list[Person]:
    if _is(record, Source.VAHAN, Kind.VEHICLE_REGISTRATION):
        role = PersonRole.OWNER
    elif _is(record, Source.SARATHI, Kind.DRIVING_LICENCE):
        role = PersonRole.SUBJECT
    else:
        return []
    return [p for p in record.people if p.role is role and p.name and p.birth_date and p.address]


def _owner_holder_key(person: Person) -> str:
    assert person.name is not None and person.birth_date is not None
    return f"oh:{name_text(person.name)}|{person.birth_date.isoformat()}"


def link_keys(record: Record) -> frozenset[str]:
    """The values under which `record` can link to another record."""
    keys: set[str] = set()
    for ident in record.identifiers:
        if ident.partial and not (ident.type is IdType.FIR and _is_inmate(record)):
            continue  # an inmate's FIR without its state is matched on station and number
        if ident.type is IdType.DRIVING_LICENCE:
            keys.add(f"dl:{ident.value}")
        elif ident.type is IdType.PASSPORT:
            keys.add(f"passport:{ident.value}")
        elif ident.type is IdType.FIR and _fir_side(record):
            if stateless := fir_without_state(ident.value):
                keys.add(f"fir:{stateless}")
        elif ident.type is IdType.REGISTRATION and _vehicle_side(record):
            keys.add(f"registration:{ident.value}")
        elif ident.type is IdType.CHASSIS and _vehicle_side(record):
            keys.add(f"chassis:{ident.value}")
    vehicle = record.vehicle
    if _vehicle_side(record) and vehicle is not None and vehicle.registration_no:
        keys.add(f"registration:{vehicle.registration_no}")
    keys.update(_owner_holder_key(p) for p in _owner_holder_people(record))
    return frozenset(keys)


def _primary(record: Record) -> Side | None:
    sides = sides_of(record)
    return sides[0] if sides else None


def _fits(inmate: Side, accused: Side, similar: Similarity) -> bool:
    return similar.names(inmate, accused) >= NAME_AGREES and not conflicts(inmate, accused, similar)


def _station_name(text: object) -> str:
    return "".join(ch for ch in str(text or "").casefold() if ch.isalnum())


def same_station(key: str, inmate: Record, accused: Record) -> bool:
    """Whether the inmate's case under FIR key `key` (`fir:{ps}/{year}/{number}`) and the
    accused's FIR are of one police station. Where the inmate's case states the FIR's state,
    the two full FIRs must be equal. Where it does not (e-Prisons names a station by code, and
    codes repeat from state to state), the station's name the case writes must be the one
    CCTNS writes; without a name on both sides, the inmate must be held in the FIR's state
    (the usual case, but not evidence enough when the names could say otherwise)."""
    stateless = fir_without_state(key.partition(":")[2])
    if stateless is None:
        return False
    full_accused = {i.value for i in accused.identifiers if i.type is IdType.FIR}
    for ident in inmate.identifiers:
        if ident.type is not IdType.FIR or fir_without_state(ident.value) != stateless:
            continue
        if not ident.partial:
            return ident.value in full_accused
        ps_code, _, _ = stateless.partition("/")
        written = {
            _station_name(case.get("policeStation"))
            for case in inmate.attributes.get("cases", ())
            if isinstance(case, dict) and str(case.get("psCode", "")).strip() == ps_code
        } - {""}
        theirs = _station_name(accused.attributes.get("ps_name"))
        if written and theirs:
            return theirs in written
        return any(v.partition("/")[0] == inmate.state for v in full_accused if inmate.state)
    return False


def fir_links(
    key: str, holders: Sequence[Record], similar: Similarity | None = None
) -> list[IndexLink]:
    """The links a FIR key makes among its holders: each inmate to the one accused of that FIR
    who fits it (name agrees, nothing disagrees), when exactly one does."""
    similar = similar or Similarity()
    accused = [(r, s) for r in holders if _is(r, Source.CCTNS, Kind.ACCUSED) if (s := _primary(r))]
    inmates = [
        (r, s) for r in holders if _is(r, Source.EPRISONS, Kind.INMATE) if (s := _primary(r))
    ]
    out: list[IndexLink] = []
    for inmate, inmate_side in inmates:
        fitting = [
            r
            for r, side in accused
            if same_station(key, inmate, r) and _fits(inmate_side, side, similar)
        ]
        if len(fitting) == 1:
            first, second = sorted((inmate.record_id, fitting[0].record_id))
            out.append(IndexLink(a=first, b=second, reason="fir", key=key))
    return out


def _address_tokens(address: str) -> set[str]:
    return set(_ADDRESS_TOKEN.findall(address.casefold()))


def _addresses_agree(a: str, b: str) -> bool:
    ta, tb = _address_tokens(a), _address_tokens(b)
    if not ta or not tb:
        return False
    shorter, longer = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return len(shorter & longer) / len(shorter) >= ADDRESS_AGREES


def decide(key: str, a: Record, b: Record) -> IndexLink | None:
    """Whether two records sharing link key `key` are linked, and why."""
    if a.record_id == b.record_id:
        return None
    kind = key.partition(":")[0]
    reason: str | None = None
    if kind in ("dl", "passport"):
        reason = "driving_licence" if kind == "dl" else "passport"
    elif kind == "fir":
        # decided over all holders of the FIR at once (`fir_links`): here, only the two
        links = fir_links(key, [a, b])
        return links[0] if links else None
    elif kind in ("registration", "chassis"):
        if {a.source, b.source} == {Source.VAHAN, Source.CCTNS}:
            reason = kind
    elif kind == "oh" and {a.source, b.source} == {Source.VAHAN, Source.SARATHI}:
        for pa in _owner_holder_people(a):
            for pb in _owner_holder_people(b):
                same_key = _owner_holder_key(pa) == key == _owner_holder_key(pb)
                addresses = (pa.address or "", pb.address or "")
                if same_key and _addresses_agree(*addresses):
                    reason = "owner_holder"
    if reason is None:
        return None
    first, second = sorted((a.record_id, b.record_id))
    return IndexLink(a=first, b=second, reason=reason, key=key)


def _contested(
    holders: Mapping[str, Sequence[Record]], changed: Collection[str], left: Collection[str] = ()
) -> list[Record]:
    """The stored records whose links a write may change without touching them: the other
    holders of a FIR key that a written record holds (an inmate who fitted one co-accused fits
    two when the second arrives, and is then linked to neither), the holders of a key that the
    write made a placeholder (more than `MAX_HOLDERS`: the links it made while it had fewer
    go), and the holders left of a key a deleted record held (`left`). Re-deciding them makes
    the links a function of the records, not of their order."""
    out: dict[str, Record] = {}
    for key, records in holders.items():
        stored = [r for r in records if r.record_id not in changed]
        competing = key.startswith("fir:") and 3 <= len(records) <= MAX_HOLDERS
        made_placeholder = len(records) > MAX_HOLDERS and len(stored) <= MAX_HOLDERS
        deserted = key in left and len(records) <= MAX_HOLDERS
        if competing or made_placeholder or deserted:
            out.update((r.record_id, r) for r in stored)
    return [out[i] for i in sorted(out)]


def cluster_label(member_ids: Collection[str]) -> str:
    """The stable label of the index profile holding `member_ids`: a hash of the smallest record
    id, so that it never moves while the cluster keeps its smallest member. Internal: never
    shown to a caller (profile ids are `federation.profile_ids`)."""
    smallest = min(member_ids)
    return "c-" + hashlib.sha256(smallest.encode()).hexdigest()[:20]


class LinkStore(Protocol):
    """What `LinkEngine` needs from a backend (inside the backend's write transaction)."""

    def records_by_link_keys(self, keys: Collection[str]) -> dict[str, list[Record]]: ...

    def edges_touching(self, record_ids: Collection[str]) -> list[IndexLink]: ...

    def replace_edges(self, record_ids: Collection[str], links: Sequence[IndexLink]) -> None: ...

    def set_profiles(self, assignment: Mapping[str, str]) -> None: ...

    def records(self, record_ids: Collection[str]) -> list[Record]: ...


class LinkEngine:
    """Recomputes links and profiles around the records a write touched."""

    def __init__(self, store: LinkStore) -> None:
        self._store = store

    def relink(
        self,
        present: Sequence[Record],
        removed: Collection[str] = (),
        *,
        fresh: Collection[str] = (),
        left_keys: Collection[str] = (),
    ) -> None:
        """`present`: records just written (their stored form); `removed`: ids just deleted;
        `fresh`: those of `present` that did not exist before the write, so have no links yet
        and their own singleton profile id: the engine skips reading what it knows is empty,
        which is most of a first sync; `left_keys`: the link keys the removed records held,
        whose other holders are re-decided (a co-accused gone, the inmate may fit the one
        left; a placeholder back under `MAX_HOLDERS` links again)."""
        changed = {r.record_id for r in present} | set(removed)
        if not changed:
            return
        keys_of = {r.record_id: link_keys(r) for r in present}
        all_keys = set().union(*keys_of.values()) if keys_of else set()
        asked = all_keys | set(left_keys)
        holders = self._holders(asked, removed) if asked else {}
        # links that are a function of all a key's holders, re-decided for every holder
        contested = _contested(holders, changed, set(left_keys) - all_keys)
        if contested:
            present = [*present, *contested]
            changed |= {r.record_id for r in contested}
            for record in contested:
                keys_of[record.record_id] = link_keys(record)
            more = set().union(*(keys_of[r.record_id] for r in contested)) - all_keys
            if more:
                holders.update(self._holders(more, removed))
        known = changed - set(fresh)
        before = self._store.edges_touching(known) if known else []
        new_links: dict[tuple[str, str, str], IndexLink] = {}
        similar = Similarity()
        for record in present:
            for key in keys_of[record.record_id]:
                others = holders.get(key, ())
                if len(others) > MAX_HOLDERS:
                    continue  # a placeholder value, not an identifier (see module docstring)
                if key.startswith("fir:"):
                    # one FIR's links depend on all its holders: the co-accused compete
                    mine = record.record_id
                    found = [x for x in fir_links(key, others, similar) if mine in (x.a, x.b)]
                else:
                    found = [x for o in others if (x := decide(key, record, o)) is not None]
                for link in found:
                    # two keys may make one link (a plate's registration twice): the smaller is
                    # its key whichever record the link was found from
                    kept = new_links.get((link.a, link.b, link.reason))
                    if kept is None or link.key < kept.key:
                        new_links[(link.a, link.b, link.reason)] = link
        if before or new_links:
            self._store.replace_edges(changed, list(new_links.values()))
        starts = (
            known
            | {x for link in before for x in (link.a, link.b)}
            | {x for link in new_links.values() for x in (link.a, link.b)}
        ) - set(removed)
        if starts:
            self._store.set_profiles(self._components(starts))

    def _holders(self, keys: Collection[str], removed: Collection[str]) -> dict[str, list[Record]]:
        """The stored holders of `keys`, but the `removed` (a cluster unlinks them before it
        deletes them: its store still holds them)."""
        found = self._store.records_by_link_keys(keys)
        if not removed:
            return found
        gone = set(removed)
        return {k: [r for r in rs if r.record_id not in gone] for k, rs in found.items()}

    def _components(self, starts: set[str]) -> dict[str, str]:
        """Index profile label of every record connected to `starts`: the graph around them is
        read in rounds (one `edges_touching` per hop for all of them together), then clustered
        in memory (`clusters`)."""
        edges: set[IndexLink] = set()
        visited = set(starts)
        frontier = set(starts)
        for _ in range(MAX_HOPS):
            if not frontier:
                break
            reached: set[str] = set()
            for edge in self._store.edges_touching(frontier):
                edges.add(edge)
                reached.update((edge.a, edge.b))
            frontier = reached - visited
            visited |= frontier
        assignment: dict[str, str] = {}
        for members in clusters(visited, edges, self._store.records):
            label = cluster_label(members)
            for member in members:
                assignment[member] = label
        return assignment


def clusters(
    nodes: Collection[str],
    edges: Collection[IndexLink],
    fetch: Callable[[Collection[str]], list[Record]],
) -> list[set[str]]:
    """Clusters of `nodes` under `edges`, strongest link first, never joining two clusters that
    hold a cannot-link between them unless the link joins those two records directly. Records
    are fetched (`fetch`) only for components of three or more: two records are joined by their
    own link."""
    neighbours: dict[str, set[str]] = {n: set() for n in nodes}
    for edge in edges:
        neighbours.setdefault(edge.a, set()).add(edge.b)
        neighbours.setdefault(edge.b, set()).add(edge.a)
    out: list[set[str]] = []
    seen: set[str] = set()
    for start in sorted(neighbours):
        if start in seen:
            continue
        component = {start}
        stack = [start]
        while stack:
            for other in neighbours[stack.pop()]:
                if other not in component:
                    component.add(other)
                    stack.append(other)
        seen |= component
        if len(component) < 3:
            out.append(component)
            continue
        inside = sorted((e for e in edges if e.a in component), key=_edge_order)
        out.extend(_constrained(component, inside, fetch(component)))
    return out


def _edge_order(link: IndexLink) -> tuple[int, str, str, str]:
    return (_STRENGTH.get(link.reason, 3), link.a, link.b, link.reason)


def _constrained(
    component: set[str], edges: list[IndexLink], records: list[Record]
) -> list[set[str]]:
    sides = {r.record_id: side for r in records if (side := _primary(r)) is not None}
    similar = Similarity()
    direct = {(e.a, e.b) for e in edges}
    cluster_of = {n: {n} for n in component}
    for edge in edges:
        left, right = cluster_of[edge.a], cluster_of[edge.b]
        if left is right:
            continue
        blocked = False
        for x in left:
            for y in right:
                pair = (x, y) if x < y else (y, x)
                if pair in direct or x not in sides or y not in sides:
                    continue
                if conflicts(sides[x], sides[y], similar):
                    blocked = True
                    break
            if blocked:
                break
        if blocked:
            continue
        left |= right
        for member in right:
            cluster_of[member] = left
    unique: dict[int, set[str]] = {id(c): c for c in cluster_of.values()}
    return list(unique.values())
