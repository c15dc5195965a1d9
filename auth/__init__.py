"""OAuth2 for partner clients, officer token validation, roles and policy, the audit log.

Map of the package (each module one job; imports only `records`, `config` and third parties):

- `principal` — `Caller` and `Role`: who is asking.
- `errors` — `ProblemError`, `Unauthenticated` (401), `Forbidden` (403): typed, RFC 9457-ready.
- `keys` — the rotating ES256 key ring: `sign(payload, typ=…)`, `verify`, `jwks()`, `rotate()`.
- `tokens` — RFC 9068 access tokens and the registered-claim checks.
- `officers` — officer JWTs from a trusted IdP (or the built-in demo issuer) → `Caller`.
- `clients` — the OAuth2 client registry (SQLite, scrypt-hashed secrets, public JWKS).
- `revocation` — revoked token ids and used client-assertion ids.
- `oauth` — the authorization server (authlib core): token, introspection, revocation, metadata.
- `policy` / `policy_file` / `default_policy.toml` — scopes, visibility, redaction, as data.
- `audit` — the append-only, hash-chained audit log.
- `service` — `AuthService`: all of the above built from `config.AuthSettings`.
"""
