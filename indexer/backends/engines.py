"""One thin provider per engine: the official client, and nothing but transport.

`ElasticBackend` speaks to an `Engine` (its `admin`: indices and aliases; its `docs`: documents);
the two implementations differ only in how the client is
built (auth, TLS), how "not found" and "already exists" are signalled, and in response objects
(`elasticsearch` wraps bodies in `ObjectApiResponse`). Query and mapping bodies are the same
plain dicts for both (`indexer.backends.queries`).

Transport retries: the clients retry connection errors, timeouts and 502/503/504 on another node
(`max_retries`); per-item bulk retries are `ElasticBackend`'s job. Reads time out after
`search.read_timeout_s`, writes after `search.request_timeout_s`: a hung node (open
connections, no answer) holds a search only that long before it is retried elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from config import SearchSettings
from indexer.backends.base import BackendError

Body = dict[str, Any]
T = TypeVar("T")


class IndexAdmin(Protocol):
    """Indices, aliases and their settings: what the index lifecycle needs."""

    def create_index(self, index: str, body: Body) -> bool:
        """False when the index already exists."""
        ...

    def delete_index(self, index: str) -> None: ...

    def indices(self, pattern: str) -> list[str]: ...

    def alias_targets(self, alias: str) -> list[str]: ...

    def update_aliases(self, actions: list[Body]) -> None: ...

    def put_settings(self, index: str, settings: Body) -> None: ...

    def refresh(self, index: str) -> None: ...

    def store_bytes(self, index: str) -> int:
        """Primary store size of `index` (replicas excluded)."""
        ...

    def mapping_meta(self, index: str) -> Body:
        """The `_meta` of `index`'s mappings ({} when it has none)."""
        ...


class Documents(Protocol):
    """Documents in an index: what reading, searching and writing need."""

    def bulk(self, operations: list[Body]) -> Body: ...

    def search(self, index: str, body: Body) -> Body: ...

    def msearch(self, searches: list[Body]) -> Body: ...

    def mget(self, index: str, ids: list[str], source: list[str] | bool) -> list[Body]: ...

    def get(self, index: str, doc_id: str) -> Body | None: ...

    def put(self, index: str, doc_id: str, body: Body, *, create: bool) -> bool:
        """Index a document (refresh=true, for small bookkeeping documents). With `create`,
        False when it already exists."""
        ...

    def delete_doc(self, index: str, doc_id: str) -> None: ...

    def count(self, index: str, body: Body) -> int: ...


class Engine(Protocol):
    """One cluster: its indices (`admin`), its documents (`docs`), its health."""

    @property
    def name(self) -> str: ...

    @property
    def admin(self) -> IndexAdmin: ...

    @property
    def docs(self) -> Documents: ...

    def health(self) -> tuple[bool, str]: ...

    def close(self) -> None: ...


def _hosts(settings: SearchSettings) -> list[str]:
    if not settings.url:
        raise BackendError(f"search.backend {settings.backend!r} needs search.url")
    return [h.strip() for h in settings.url.split(",") if h.strip()]


def _body(response: Any) -> Any:
    return getattr(response, "body", response)


class _PerRequest:
    """A client whose calls all carry the same per-request options (opensearch-py takes them as
    keyword arguments; `elasticsearch` has `options()` for this)."""

    def __init__(self, client: Any, **options: Any) -> None:
        self._client = client
        self._options = options

    def __getattr__(self, name: str) -> Callable[..., Any]:
        call = getattr(self._client, name)
        return lambda *args, **kwargs: call(*args, **self._options, **kwargs)


class _Calls:
    """Calls on one client, its errors classified by the engine that owns it."""

    def __init__(self, engine: _ClusterEngine) -> None:
        self.name = engine.name
        self._client = engine.client
        self._reader = engine.reader
        self._engine = engine

    def _call(self, what: str, fn: Callable[[], T], *, ok: tuple[int, ...] = ()) -> T | None:
        try:
            return fn()
        except Exception as exc:  # the client's own error types, classified by the engine
            status = self._engine.status_of(exc)
            if status is not None and status in ok:
                return None
            if status is None and not self._engine.is_engine_error(exc):
                raise
            raise BackendError(f"{self.name} {what} failed: {_describe(exc)}") from None


class _AdminCalls(_Calls):
    def create_index(self, index: str, body: Body) -> bool:
        done = self._call(
            f"creating index {index}",
            lambda: self._client.indices.create(index=index, body=body),
            ok=(400,),
        )
        if done is None and not self.indices(index):
            raise BackendError(f"{self.name} refused to create index {index}")
        return done is not None

    def delete_index(self, index: str) -> None:
        self._call(
            f"deleting index {index}",
            lambda: self._client.indices.delete(index=index, ignore_unavailable=True),
            ok=(404,),
        )

    def indices(self, pattern: str) -> list[str]:
        found = self._call(
            f"listing {pattern}",
            lambda: _body(self._client.indices.get(index=pattern, ignore_unavailable=True)),
            ok=(404,),
        )
        return sorted(found or {})

    def mapping_meta(self, index: str) -> Body:
        found = self._call(
            f"reading the mappings of {index}",
            lambda: _body(self._client.indices.get_mapping(index=index)),
            ok=(404,),
        )
        meta = (found or {}).get(index, {}).get("mappings", {}).get("_meta", {})
        return dict(meta) if isinstance(meta, dict) else {}

    def alias_targets(self, alias: str) -> list[str]:
        found = self._call(
            f"reading alias {alias}",
            lambda: _body(self._client.indices.get_alias(name=alias)),
            ok=(404,),
        )
        return sorted(found or {})

    def update_aliases(self, actions: list[Body]) -> None:
        self._call(
            "swapping aliases",
            lambda: self._client.indices.update_aliases(body={"actions": actions}),
        )

    def put_settings(self, index: str, settings: Body) -> None:
        self._call(
            f"updating settings of {index}",
            lambda: self._client.indices.put_settings(index=index, body=settings),
        )

    def refresh(self, index: str) -> None:
        self._call(f"refreshing {index}", lambda: self._client.indices.refresh(index=index))

    def store_bytes(self, index: str) -> int:
        result = self._call(
            f"stats of {index}", lambda: _body(self._client.indices.stats(index=index))
        )
        assert result is not None
        return int(result["_all"]["primaries"]["store"]["size_in_bytes"])


class _DocumentCalls(_Calls):
    def bulk(self, operations: list[Body]) -> Body:
        result = self._call("bulk write", lambda: _body(self._client.bulk(body=operations)))
        assert result is not None
        return dict(result)

    def search(self, index: str, body: Body) -> Body:
        result = self._call(
            f"search in {index}", lambda: _body(self._reader.search(index=index, body=body))
        )
        assert result is not None
        return dict(result)

    def msearch(self, searches: list[Body]) -> Body:
        result = self._call("multi-search", lambda: _body(self._reader.msearch(body=searches)))
        assert result is not None
        return dict(result)

    def mget(self, index: str, ids: list[str], source: list[str] | bool) -> list[Body]:
        if not ids:
            return []
        result = self._call(
            f"get from {index}",
            lambda: _body(self._reader.mget(index=index, body={"ids": ids}, _source=source)),
        )
        assert result is not None
        return [doc for doc in result["docs"] if doc.get("found")]

    def get(self, index: str, doc_id: str) -> Body | None:
        found = self._call(
            f"get {doc_id} from {index}",
            lambda: _body(self._reader.get(index=index, id=doc_id)),
            ok=(404,),
        )
        return dict(found["_source"]) if found else None

    def put(self, index: str, doc_id: str, body: Body, *, create: bool) -> bool:
        done = self._call(
            f"writing {doc_id} to {index}",
            lambda: self._client.index(
                index=index,
                id=doc_id,
                body=body,
                op_type="create" if create else "index",
                refresh="true",
            ),
            ok=(409,),
        )
        return done is not None

    def delete_doc(self, index: str, doc_id: str) -> None:
        self._call(
            f"deleting {doc_id} from {index}",
            lambda: self._client.delete(index=index, id=doc_id, refresh="true"),
            ok=(404,),
        )

    def count(self, index: str, body: Body) -> int:
        result = self._call(
            f"count in {index}", lambda: _body(self._reader.count(index=index, body=body))
        )
        assert result is not None
        return int(result["count"])


class _ClusterEngine:
    """Everything that is the same for both clients once errors are classified."""

    name = "engine"
    client: Any
    reader: Any  # the client as reads call it: `search.read_timeout_s` per request

    def __init__(self) -> None:
        self.admin: IndexAdmin = _AdminCalls(self)
        self.docs: Documents = _DocumentCalls(self)

    def status_of(self, exc: Exception) -> int | None:
        """The HTTP status of a client error; None when it is not an HTTP answer."""
        raise NotImplementedError

    def is_engine_error(self, exc: Exception) -> bool:
        raise NotImplementedError

    def health(self) -> tuple[bool, str]:
        try:
            health = _body(self.client.cluster.health())
        except Exception as exc:  # any client or connection error is "not healthy"
            return False, f"{self.name} unreachable: {_describe(exc)}"
        status = health.get("status", "unknown")
        return status in ("green", "yellow"), f"{self.name} cluster status {status}"

    def close(self) -> None:
        self.client.close()


def _describe(exc: Exception) -> str:
    """A one-line reason; never the request (it may carry credentials in a URL)."""
    info = getattr(exc, "info", None) or getattr(exc, "body", None)
    if isinstance(info, dict) and isinstance(info.get("error"), dict):
        error = info["error"]
        return f"{error.get('type', 'error')}: {error.get('reason', '')}"[:300]
    status = getattr(exc, "status_code", None) or getattr(exc, "status", None)
    prefix = f"HTTP {status}: " if isinstance(status, int) else ""
    return (prefix + type(exc).__name__ + (f" {exc.args[0]}" if exc.args else ""))[:300]


class OpenSearchEngine(_ClusterEngine):
    name = "opensearch"

    def __init__(self, settings: SearchSettings) -> None:
        from opensearchpy import OpenSearch

        kwargs: dict[str, Any] = {
            "hosts": _hosts(settings),
            "timeout": settings.request_timeout_s,
            "max_retries": 3,
            "retry_on_timeout": True,
            "verify_certs": settings.verify_certs,
        }
        if settings.ca_file:
            kwargs["ca_certs"] = str(settings.ca_file)
        if settings.username and settings.password:
            kwargs["http_auth"] = (settings.username, settings.password.get_secret_value())
        if settings.api_key:
            kwargs["headers"] = {"Authorization": f"ApiKey {settings.api_key.get_secret_value()}"}
        self.client = OpenSearch(**kwargs)
        self.reader = _PerRequest(self.client, request_timeout=settings.read_timeout_s)
        super().__init__()

    def status_of(self, exc: Exception) -> int | None:
        from opensearchpy.exceptions import TransportError

        if isinstance(exc, TransportError) and isinstance(exc.status_code, int):
            return exc.status_code
        return None

    def is_engine_error(self, exc: Exception) -> bool:
        from opensearchpy.exceptions import OpenSearchException

        return isinstance(exc, OpenSearchException)


class ElasticsearchEngine(_ClusterEngine):
    name = "elasticsearch"

    def __init__(self, settings: SearchSettings) -> None:
        from elasticsearch import Elasticsearch

        kwargs: dict[str, Any] = {
            "hosts": _hosts(settings),
            "request_timeout": settings.request_timeout_s,
            "max_retries": 3,
            "retry_on_timeout": True,
            "verify_certs": settings.verify_certs,
        }
        if settings.ca_file:
            kwargs["ca_certs"] = str(settings.ca_file)
        if settings.username and settings.password:
            kwargs["basic_auth"] = (settings.username, settings.password.get_secret_value())
        if settings.api_key:
            kwargs["api_key"] = settings.api_key.get_secret_value()
        self.client = Elasticsearch(**kwargs)
        self.reader = self.client.options(request_timeout=settings.read_timeout_s)
        super().__init__()

    def status_of(self, exc: Exception) -> int | None:
        from elasticsearch import ApiError

        if isinstance(exc, ApiError):
            return int(exc.meta.status)
        return None

    def is_engine_error(self, exc: Exception) -> bool:
        from elastic_transport import TransportError
        from elasticsearch import ApiError

        return isinstance(exc, ApiError | TransportError)


def engine_for(settings: SearchSettings) -> Engine:
    if settings.backend == "opensearch":
        return OpenSearchEngine(settings)
    if settings.backend == "elasticsearch":
        return ElasticsearchEngine(settings)
    raise BackendError(f"search.backend {settings.backend!r} is not a cluster engine")
