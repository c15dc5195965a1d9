"""Settings, validated once at start.

Precedence (highest first): keyword arguments, `ICJS_…` environment variables (nested with `__`,
e.g. `ICJS_SEARCH__BACKEND=opensearch`, `ICJS_SOURCES__CCTNS__API_KEY=…`), the TOML file named
by `ICJS_CONFIG` (default `./icjs.toml`, optional), then the defaults below. Secrets are
`SecretStr`: they never print, and they belong in the environment or in files the operator names,
not in the repository.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from records import source_names


class ConfigError(Exception):
    """A configuration problem, said in one line that names the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchSettings(_Section):
    backend: Literal["embedded", "opensearch", "elasticsearch"] = "embedded"
    path: Path = Path("var/icjs.db")  # embedded: the SQLite file
    # embedded: the most SQLite connections open at once (a bounded pool; each keeps a 64 MiB
    # page cache): see docs/decisions.md, "Bounded memory and descriptors"
    connections: int = Field(default=8, ge=1, le=64)
    url: str | None = None  # opensearch / elasticsearch: http(s)://host:port[,host:port…]
    index_prefix: str = "icjs"
    username: str | None = None
    password: SecretStr | None = None
    api_key: SecretStr | None = None
    ca_file: Path | None = None
    verify_certs: bool = True
    shards: int = Field(default=1, ge=1, le=1024)
    replicas: int = Field(default=0, ge=0, le=16)
    request_timeout_s: float = Field(default=30.0, gt=0)
    # Reads (searches, gets, counts) give up on a node sooner than writes and retry on another:
    # a node that hangs (a long GC pause, a partition) keeps its connections open, so a read
    # sent to it waits this long before the client moves on. A bulk write of thousands of
    # records may legitimately take longer, so writes keep `request_timeout_s`.
    read_timeout_s: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _url_for_cluster(self) -> SearchSettings:
        if self.backend != "embedded" and not self.url:
            raise ValueError(f"backend {self.backend!r} needs search.url")
        return self


class SourceSettings(_Section):
    """Connection to one source. Which credential fields apply depends on the source's auth."""

    enabled: bool = True
    url: str | None = None
    api_key: SecretStr | None = None  # X-API-Key sources
    client_id: str | None = None  # OAuth2 sources (eprisons, ncrp)
    client_secret: SecretStr | None = None
    username: str | None = None  # HTTP basic (alis)
    password: SecretStr | None = None
    page_size: int | None = Field(default=None, ge=1, le=10000)
    timeout_s: float = Field(default=30.0, gt=0)


class SyncSettings(_Section):
    state_path: Path = Path("var/sync.db")  # checkpoints and quarantine
    overlap_s: int = Field(default=300, ge=0)  # the contracts allow 5 minutes of late writes
    max_attempts: int = Field(default=8, ge=1)
    backoff_initial_s: float = Field(default=0.5, gt=0)
    backoff_max_s: float = Field(default=60.0, gt=0)
    breaker_failures: int = Field(default=5, ge=1)
    breaker_reset_s: float = Field(default=60.0, gt=0)
    reconcile_every_s: int = Field(default=86400, ge=0)


class AuthSettings(_Section):
    db_path: Path = Path("var/auth.db")  # OAuth2 client registry
    keys_dir: Path = Path("var/keys")  # signing keys (private: keep out of the repo)
    issuer: str = "http://127.0.0.1:8000"
    audience: str = "icjs-search"
    token_ttl_s: int = Field(default=900, ge=60, le=86400)
    officer_issuers: list[str] = Field(default_factory=list)  # trusted IdP issuers
    officer_jwks_url: str | None = None  # the IdP's JWKS; empty: the built-in demo issuer
    policy_path: Path | None = None  # None: the packaged default policy
    audit_path: Path = Path("var/audit.db")
    # private_key_jwt: an assertion proves possession for one request; five minutes covers
    # clock skew and retries (RFC 7523 lets the server bound its lifetime)
    max_assertion_lifetime_s: int = Field(default=300, ge=30, le=3600)
    # OAuth endpoints: attempts per minute per claimed client and per address, and the lock-out
    # after failed authentications (see auth.throttle)
    token_rate_per_minute: int = Field(default=60, ge=1)
    lockout_failures: int = Field(default=5, ge=1, le=1000)
    lockout_s: int = Field(default=900, ge=1)


class ApiSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    rate_limit_per_minute: int = Field(default=600, ge=1)
    max_candidates: int = Field(default=300, ge=10, le=5000)
    # Proxies whose X-Forwarded-For (and client certificate header) are believed: addresses or
    # networks. None by default: the peer of the connection is the client.
    trusted_proxies: list[str] = Field(default_factory=list)
    # The header a trusted TLS-terminating proxy puts the verified client certificate in
    # (URL-encoded PEM, as nginx's $ssl_client_escaped_cert).
    client_cert_header: str = "X-Client-Cert"
    # Strict-Transport-Security max-age on every response; 0: not sent (set it when the API is
    # only reachable over HTTPS).
    hsts_max_age_s: int = Field(default=0, ge=0, le=63072000)
    # Mutual TLS served by `icjs serve` itself (or leave TLS to a proxy, above).
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_client_ca_file: Path | None = None  # CAs whose client certificates are accepted
    tls_client_cert: Literal["none", "optional", "required"] = "optional"
    # How long an approved hit-flag access request opens its records to its requester.
    access_grant_hours: int = Field(default=168, ge=1, le=24 * 90)

    @model_validator(mode="after")
    def _tls_pairs(self) -> ApiSettings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("api.tls_cert_file and api.tls_key_file go together")
        if self.tls_client_ca_file is not None and self.tls_cert_file is None:
            raise ValueError("api.tls_client_ca_file needs api.tls_cert_file and tls_key_file")
        for entry in self.trusted_proxies:
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError:
                raise ValueError(
                    f"api.trusted_proxies: {entry!r} is not an IP address or network"
                ) from None
        return self


class NocSettings(_Section):
    # A NOC decided on a CCTNS or Vahan sync older than this says REVIEW: a vehicle reported
    # stolen since would get CLEAR. A day matches a nightly sync with slack for one bad night.
    freshness_window_s: int = Field(default=86400, ge=60)
    validity_days: int = Field(default=30, ge=1, le=3650)  # a certificate's life


class AlertsSettings(_Section):
    """Where alerts go besides each desk's feed (`GET /v1/alerts`): the directory of desks and
    their contacts (`alerts.directory`), and the mail server e-mail alerts leave through. The
    SMTP password comes from `ICJS_ALERTS__SMTP_PASSWORD`, never from icjs.toml."""

    directory: Path | None = None  # JSON: recipient → {name, email, webhook, sms}
    # How long a search is remembered for retro-hits (N-DEx keeps five days); 0: not at all.
    search_window_days: int = Field(default=5, ge=0, le=90)
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_sender: str = "alerts@icjs.example"
    smtp_starttls: bool = True  # refuse a server that does not offer STARTTLS
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    webhook_secret: SecretStr | None = None  # HMAC key partners verify signatures with
    # SMS through an HTTP gateway (docs/sms-gateway.md): DLT sender id and content template
    sms_url: str | None = None
    sms_api_key: SecretStr | None = None
    sms_sender_id: str | None = Field(default=None, pattern=r"^[A-Z]{6}$")
    sms_template_id: str | None = Field(default=None, pattern=r"^\d{19}$")


class ProfileSettings(_Section):
    """Person profiles: the key that seals their ids and the linkage model that joins records.
    Unset paths live under `data_dir`. (Supervisors' decisions are state: `state.decisions`.)"""

    # AES-SIV keys, one base64 line each, newest first; created on first start. Every API node
    # must read the same file, or ids issued by one node are 404 on another.
    key_file: Path | None = None  # data_dir/profile-ids.key
    # written by `icjs linkage estimate`; the packaged model while it does not exist
    model_path: Path | None = None  # data_dir/linkage-model.json


class StateSettings(_Section):
    """Where the stores beside the index live (clients, revocations, lock-outs, the audit chain,
    sync state, NOCs, the alerts outbox). Unset `url`: SQLite files, each at its own path
    (`auth.db_path`, `auth.audit_path`, `sync.state_path`, `data_dir`), for one machine. A
    `postgresql://user@host:5432/dbname?sslmode=verify-full` URL: one database shared by every
    API worker, machine and sync, which is what several of them need (one audit chain, one
    revocation list). Keep the password out of the URL and out of icjs.toml: `password_file`,
    `ICJS_STATE__PASSWORD`, or libpq's own `PGPASSWORD`/`~/.pgpass`."""

    url: SecretStr | None = None
    password: SecretStr | None = None
    password_file: Path | None = None
    pool_size: int = Field(default=5, ge=1, le=100)  # connections kept per process
    max_overflow: int = Field(default=10, ge=0, le=200)  # beyond those, under load
    connect_timeout_s: float = Field(default=10.0, gt=0, le=300)
    # "auto": a process brings the schema up to date when it opens it (concurrent starts wait
    # for each other); "check": it refuses to start on an older schema (`icjs state upgrade`)
    migrate: Literal["auto", "check"] = "auto"

    @model_validator(mode="after")
    def _url_scheme(self) -> StateSettings:
        if self.url is not None:
            scheme = self.url.get_secret_value().split(":", 1)[0].lower()
            if scheme not in ("postgresql", "postgres", "postgresql+psycopg", "sqlite"):
                raise ValueError(
                    f"state.url: {scheme!r} is not supported; use postgresql://… or sqlite:///…"
                )
        if self.password is not None and self.password_file is not None:
            raise ValueError("state.password and state.password_file: set one, not both")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ICJS_",
        env_nested_delimiter="__",
        extra="forbid",
        case_sensitive=False,
    )

    search: SearchSettings = SearchSettings()
    sources: dict[str, SourceSettings] = Field(default_factory=dict)
    sync: SyncSettings = SyncSettings()
    auth: AuthSettings = AuthSettings()
    api: ApiSettings = ApiSettings()
    noc: NocSettings = NocSettings()
    profiles: ProfileSettings = ProfileSettings()
    state: StateSettings = StateSettings()
    alerts: AlertsSettings = AlertsSettings()
    data_dir: Path = Path("var")

    @property
    def profile_key_file(self) -> Path:
        return self.profiles.key_file or self.data_dir / "profile-ids.key"

    @property
    def linkage_model_path(self) -> Path:
        return self.profiles.model_path or self.data_dir / "linkage-model.json"

    @model_validator(mode="after")
    def _known_sources(self) -> Settings:
        unknown = sorted(set(self.sources) - set(source_names()))
        if unknown:
            raise ValueError(f"unknown source {unknown[0]!r}; known: {', '.join(source_names())}")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("ICJS_CONFIG", "icjs.toml"))
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_path),
        )


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    extra = f" ({len(error.errors()) - 1} more)" if len(error.errors()) > 1 else ""
    return f"configuration key '{key}': {first['msg']}{extra}"


def load_settings(**overrides: Any) -> Settings:
    """Load and validate; any problem becomes one `ConfigError` line naming the key."""
    config_path = os.environ.get("ICJS_CONFIG")
    if config_path and not Path(config_path).is_file():
        raise ConfigError(f"ICJS_CONFIG names {config_path!r}, which is not a file")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    except ValueError as exc:  # TOML syntax errors surface as ValueError subclasses
        raise ConfigError(f"configuration file: {exc}") from None
