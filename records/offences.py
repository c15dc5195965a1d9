"""The sensitivity classifier: which labels a record's offences call for.

The offences and their labels are data (`records/offences.toml`); this module reads them once and
answers two questions:

- `labels_for_sections("IPC 376(2)(n), 506 & POCSO 4")` — the labels the sections call for. Acts
  are recognised by their names and abbreviations (`IPC`, `I.P.C.`, `BNS`, `POCSO`, Hindi
  forms…), sections by their numbers with sub-sections and letter suffixes (`376(2)(n)`,
  `354-A`, `376 D`), in either order ("IPC 376, 506" and "376/506 IPC"), Indic digits included;
- `content_labels(record)` — the labels for what a record says: every field named like a
  section list (`act_section`, `cases[].sections`, …) or a complaint category, in its
  attributes and in the source's raw payload, from any source.

`indexer.labels` applies it to every record written to the index, and spreads the labels to
records sharing a FIR, so no connector needs to know about it.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from records.model import Record, Sensitivity

_MAX_WALK_DEPTH = 6
_MAX_TEXT = 2000  # a section list is a line; a longer value is cut, not parsed at length


@dataclass(frozen=True)
class _Act:
    name: str
    patterns: dict[Sensitivity, tuple[str, ...]]  # label -> section globs

    def labels(self, section: str) -> frozenset[Sensitivity]:
        out = set()
        for label, globs in self.patterns.items():
            if any(fnmatch.fnmatchcase(section, g) for g in globs):
                out.add(label)
        return frozenset(out)

    @property
    def whole_act(self) -> frozenset[Sensitivity]:
        return frozenset(label for label, globs in self.patterns.items() if "*" in globs)


@dataclass(frozen=True)
class Classifier:
    acts: dict[str, _Act]
    act_pattern: re.Pattern[str]
    alias_to_act: dict[str, str]
    categories: dict[Sensitivity, tuple[str, ...]]
    section_fields: frozenset[str]
    category_fields: frozenset[str]
    bare_acts: tuple[str, ...]


def _expand(entries: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for entry in entries:
        text = str(entry).strip().upper()
        low, dash, high = text.partition("-")
        if dash and low.isdigit() and high.isdigit():
            out.extend(str(n) for n in range(int(low), int(high) + 1))
        else:
            out.append(text)
    return tuple(out)


def _alias_key(alias: str) -> str:
    return re.sub(r"[\s.]+", "", alias.upper())


@cache
def classifier() -> Classifier:
    """The classifier built from `records/offences.toml` (once per process)."""
    text = resources.files("records").joinpath("offences.toml").read_text("utf-8")
    data = tomllib.loads(text)
    acts: dict[str, _Act] = {}
    alias_to_act: dict[str, str] = {}
    aliases: list[str] = []
    for name, spec in data["acts"].items():
        patterns = {
            Sensitivity(label): _expand(list(globs))
            for label, globs in spec.items()
            if label != "names"
        }
        acts[name] = _Act(name, patterns)
        for alias in spec["names"]:
            alias_to_act[_alias_key(alias)] = name
            aliases.append(alias.upper())
    # Longest first, so "IT AMENDMENT ACT" wins over "IT ACT"; dots and spaces inside an alias
    # may be written or not ("I.P.C.", "IPC", "I P C").
    pieces = []
    for alias in sorted(set(aliases), key=len, reverse=True):
        letters = [re.escape(c) for c in alias if c not in ". "]
        pieces.append(r"[\s.]*".join(letters))
    act_pattern = re.compile(r"(?<![^\W\d_])(?:" + "|".join(pieces) + r")\.?(?![^\W\d_])")
    categories = {
        Sensitivity(label): tuple(w.lower() for w in words)
        for label, words in data.get("categories", {}).items()
    }
    fields = data.get("fields", {})
    return Classifier(
        acts=acts,
        act_pattern=act_pattern,
        alias_to_act=alias_to_act,
        categories=categories,
        section_fields=frozenset(f.lower() for f in fields.get("sections", ())),
        category_fields=frozenset(f.lower() for f in fields.get("categories", ())),
        bare_acts=tuple(data.get("bare", {}).get("acts", ())),
    )


# A section: 1-3 digits, optional letter suffix (354A, 376-D, 376 AB), optional sub-sections.
# Four digits is a year ("POCSO Act 2012"), not a section.
_SECTION = re.compile(
    r"(?<![\dA-Z])(?P<num>\d{1,3})(?:[-\s]?(?P<suffix>[A-Z]{1,2}))?(?![\dA-Z])(?:\s*\([0-9A-Za-z]+\))*"
)
_ACT_MARK = "\x00ACT:"


def _ascii_digits(text: str) -> str:
    """Indic digits (३७६, ৩৭৬, ௩௭௬ …) as ASCII, so sections read alike in every script."""
    return "".join(
        str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text
    )


def _tokens(text: str, c: Classifier) -> Iterator[tuple[str, str]]:
    """("act", name) and ("section", "376D") tokens in reading order."""
    upper = _ascii_digits(text[:_MAX_TEXT]).upper()
    marked = c.act_pattern.sub(
        lambda m: f" {_ACT_MARK}{c.alias_to_act[_alias_key(m.group())]} ", upper
    )
    for part in re.split(r"(\x00ACT:\w+)", marked):
        if part.startswith(_ACT_MARK):
            yield "act", part[len(_ACT_MARK) :]
            continue
        for match in _SECTION.finditer(part):
            suffix = match.group("suffix") or ""
            if suffix in ("U", "S", "R", "W"):  # "u/s", "r/w": not suffixes
                suffix = ""
            yield "section", match.group("num") + suffix


def labels_for_sections(text: str) -> frozenset[Sensitivity]:
    """The labels the offence sections in `text` call for."""
    c = classifier()
    tokens = list(_tokens(text, c))
    if not tokens:
        return frozenset()
    out: set[Sensitivity] = set()
    acts_seen = [value for kind, value in tokens if kind == "act"]
    for name in acts_seen:
        out |= c.acts[name].whole_act
    if not acts_seen:  # "376, 506": read under the penal codes
        for _, section in tokens:
            for name in c.bare_acts:
                out |= c.acts[name].labels(section)
        return frozenset(out)
    # "IPC 376, 506" (the act first) or "376/506 IPC" (the act last): decided by what comes first.
    act_first = tokens[0][0] == "act"
    current: str | None = None
    pending: list[str] = []
    for kind, value in tokens:
        if kind == "act":
            if not act_first:
                for section in pending:
                    out |= c.acts[value].labels(section)
                pending = []
            current = value
        elif act_first and current is not None:
            out |= c.acts[current].labels(value)
        else:
            pending.append(value)
    if pending and current is not None:  # trailing sections after the last act
        for section in pending:
            out |= c.acts[current].labels(section)
    return frozenset(out)


def labels_for_category(text: str) -> frozenset[Sensitivity]:
    lowered = text[:_MAX_TEXT].lower()
    return frozenset(
        label
        for label, words in classifier().categories.items()
        if any(w in lowered for w in words)
    )


def _fields(value: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(lower-case key, text) of every string (or list of strings) under a key, at any depth."""
    if depth > _MAX_WALK_DEPTH:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, str):
                yield str(key).lower(), item
            elif isinstance(item, list) and all(isinstance(i, str) for i in item):
                yield str(key).lower(), ", ".join(item)
            else:
                yield from _fields(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _fields(item, depth + 1)


def content_labels(record: Record) -> frozenset[Sensitivity]:
    """The labels a record's own content calls for (its offence sections, its category)."""
    c = classifier()
    out: set[Sensitivity] = set()
    for payload in (record.attributes, record.raw or {}):
        for key, text in _fields(payload):
            if key in c.section_fields:
                out |= labels_for_sections(text)
            elif key in c.category_fields:
                out |= labels_for_category(text)
    return frozenset(out)
