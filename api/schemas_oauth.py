"""What the OAuth2 endpoints and the public key and metadata documents send, as named models.

The endpoints build their answers with authlib (`auth.oauth`); these models describe them for
the OpenAPI document and for generated clients, and the tests hold the answers to them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import MISSING, BaseModel, ConfigDict, Field

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class _ClientAuthentication(BaseModel):
    """How a client authenticates at the OAuth endpoints: HTTP Basic (`client_secret_basic`), or
    a signed assertion in the body (`private_key_jwt`, RFC 7523): then `client_assertion_type`
    and `client_assertion` go together, and `client_id`, if sent, is the assertion's `sub`.
    Unknown parameters are ignored, and a parameter without a value is as if omitted
    (RFC 6749 §3.2)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"maxProperties": 20})

    client_id: str | MISSING = Field(
        default=MISSING, description="With `private_key_jwt`: the assertion's subject."
    )
    # Plain strings: beside HTTP Basic, or without a value, these are ignored (RFC 6749 §3.2)
    client_assertion_type: str | MISSING = Field(
        default=MISSING,
        description=f"`{CLIENT_ASSERTION_TYPE}` for `private_key_jwt`.",
        examples=[CLIENT_ASSERTION_TYPE],
    )
    client_assertion: str | MISSING = Field(
        default=MISSING,
        description="A JWT signed with the client's registered key: iss = sub = client id, "
        "aud = the token endpoint, a unique jti, exp at most 5 minutes away.",
    )


class TokenRequest(_ClientAuthentication):
    grant_type: Literal["client_credentials"]
    scope: str | MISSING = Field(
        default=MISSING,
        max_length=1000,
        description="Space-separated scopes, a subset of the registration's; omit for all.",
        examples=["persons:search vehicles:search"],
    )


class TokenRequestByToken(_ClientAuthentication):
    token: str = Field(description="An access token this client holds.")
    token_type_hint: Literal["access_token", "refresh_token", ""] | MISSING = MISSING


class TokenResponse(BaseModel):
    """An access token (RFC 6749 §5.1): a JWT (RFC 9068), bound to the client's certificate
    when it connected with one (RFC 8705)."""

    access_token: str = Field(description="Send as `Authorization: Bearer <access_token>`.")
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="Seconds until it expires.")
    scope: str = Field(description="The scopes granted, space-separated.")


class Confirmation(BaseModel):
    x5t_s256: str = Field(
        alias="x5t#S256", description="SHA-256 thumbprint of the certificate the token is bound to."
    )


class IntrospectionResponse(BaseModel):
    """RFC 7662: `active` false, alone, for a token that is unknown, expired, revoked, or not
    the asking client's; otherwise its claims."""

    model_config = ConfigDict(populate_by_name=True)

    active: bool
    token_type: Literal["Bearer"] | None = None
    scope: str | None = None
    client_id: str | None = None
    sub: str | None = None
    aud: str | list[str] | None = None
    iss: str | None = None
    exp: int | None = None
    iat: int | None = None
    nbf: int | None = None
    jti: str | None = None
    role: str | None = None
    agency: str | None = None
    sources: list[str] | None = Field(default=None, description="Sources the client may search.")
    fields: list[str] | None = Field(default=None, description="Field groups the client sees.")
    cnf: Confirmation | None = None


class RevocationResponse(BaseModel):
    """RFC 7009: an empty object, whether or not the token was known."""

    model_config = ConfigDict(extra="forbid")


class OAuthError(BaseModel):
    """RFC 6749 §5.2, which OAuth clients parse, with the RFC 9457 problem members too."""

    error: Literal[
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
        "unsupported_token_type",
    ]
    error_description: str | None = None
    type: str
    title: str
    status: int
    detail: str


class JsonWebKey(BaseModel):
    """A public signing key (RFC 7517)."""

    model_config = ConfigDict(extra="allow")

    kty: str = Field(examples=["EC"])
    kid: str
    use: Literal["sig"] | None = None
    alg: str | None = Field(default=None, examples=["ES256"])
    crv: str | None = Field(default=None, examples=["P-256"])
    x: str | None = None
    y: str | None = None
    n: str | None = None
    e: str | None = None


class JsonWebKeySet(BaseModel):
    keys: list[JsonWebKey]


class AuthorizationServerMetadata(BaseModel):
    """RFC 8414."""

    issuer: str
    token_endpoint: str
    jwks_uri: str
    introspection_endpoint: str
    revocation_endpoint: str
    grant_types_supported: list[str]
    response_types_supported: list[str]
    scopes_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    token_endpoint_auth_signing_alg_values_supported: list[str]
    introspection_endpoint_auth_methods_supported: list[str]
    introspection_endpoint_auth_signing_alg_values_supported: list[str]
    revocation_endpoint_auth_methods_supported: list[str]
    revocation_endpoint_auth_signing_alg_values_supported: list[str]
    service_documentation: str
    tls_client_certificate_bound_access_tokens: bool
