"""Who the citizen portal acts as, and its per-address throttle.

The portal is the vehicle NOC citizen service of the policy (`noc_service`: vehicle status only,
no person data), acting for anyone without sign-in. Every answer goes through the API's own
handlers under that role, so nothing a citizen sees can hold more than that role may see.
Requests are throttled per address (`PUBLIC_RATE_PER_MINUTE`) before any work.
"""

from __future__ import annotations

from starlette.requests import Request

from api.middleware import peer_address
from api.ratelimit import TokenBucket
from auth.principal import Caller, Role

# A citizen fills a form or two a minute; a family at one address a few more. Past that it is
# a script walking plates, which the NOC answers must not help.
PUBLIC_RATE_PER_MINUTE = 20

PORTAL = Caller(
    subject="citizen-portal",
    role=Role.NOC_SERVICE,
    scopes=frozenset({"noc:issue", "noc:read"}),
    agency="citizen portal",
    issuer="icjs-public-portal",
)


def throttled(request: Request) -> bool:
    """True when this address has used its allowance (the request is then refused)."""
    limit: TokenBucket = request.app.state.public_limit
    address = peer_address(request.scope)
    if limit.take(f"public:{address}") > 0:
        request.state.auth_denied = f"citizen portal: rate limit for address {address}"
        return True
    request.state.caller = PORTAL
    return False
