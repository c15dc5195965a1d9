"""Records → index documents with match keys; index lifecycle; entity links; the backends.

`open_backend(settings.search)` is the one way in: it returns the configured `Backend`
(`indexer.backends.base`), embedded SQLite by default, Elasticsearch or OpenSearch for clusters.
"""

from __future__ import annotations

from config import SearchSettings
from indexer.backends.base import Backend


def open_backend(settings: SearchSettings) -> Backend:
    """The backend `search.backend` names. The caller closes it (`Backend.close`)."""
    if settings.backend == "embedded":
        from indexer.backends.embedded import EmbeddedBackend

        return EmbeddedBackend(settings.path, connections=settings.connections)
    from indexer.backends.elastic import ElasticBackend

    return ElasticBackend.from_settings(settings)


__all__ = ["open_backend"]
