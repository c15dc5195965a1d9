"""The product as the names benchmark drives it: the dataset in a fresh index of an engine, and a
benchmark query as a person search (used by `bench.names.run` and `bench.names.fit`)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.engines import search_settings
from bench.names.dataset import Dataset
from bench.names.generate import Query
from config import SearchSettings
from federation import PersonSearch
from indexer import open_backend
from indexer.backends.base import Backend
from indexer.backends.elastic import ElasticBackend
from records import Gender

TOP_K = 300
LIMIT = 10  # profiles asked for, as an officer's first page
BATCH = 1000


@contextmanager
def indexed(engine: str, data: Dataset) -> Iterator[Backend]:
    """The dataset's records in a fresh index of `engine`, removed afterwards."""
    with indexed_at(engine, data) as (backend, _):
        yield backend


@contextmanager
def indexed_at(engine: str, data: Dataset) -> Iterator[tuple[Backend, SearchSettings]]:
    """`indexed`, with the settings another process opens the same index by."""
    workdir = Path(tempfile.mkdtemp(prefix="icjs-bench-names-"))
    settings = search_settings(engine, workdir / "names.db", "names")
    backend = open_backend(settings)
    try:
        for start in range(0, len(data.records), BATCH):
            result = backend.upsert(data.records[start : start + BATCH])
            if result.failed:
                raise RuntimeError(f"{engine}: {result.failed[:3]}")
        backend.flush()
        yield backend, settings
    finally:
        if isinstance(backend, ElasticBackend):
            backend.index.drop_all()
        backend.close()
        shutil.rmtree(workdir, ignore_errors=True)


def person_search(q: Query, limit: int = LIMIT) -> PersonSearch:
    return PersonSearch(
        name=q.text,
        relative_name=q.relative_name,
        birth_year=q.birth_year,
        age=q.age,
        gender=Gender(q.gender) if q.gender else None,
        state=q.state,
        limit=limit,
    )
