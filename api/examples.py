"""Examples of every operation's request and success answer, for the OpenAPI document.

A test validates each against its schema, so they stay true as the models change. They show
the shapes with invented values (no real person, no real vehicle).
"""

from __future__ import annotations

from typing import Any

_REQUEST_ID = "0b6c3f0e9d2a4c1e8f7a6b5c4d3e2f10"
_PROFILE = "p2_3q2-7wAAAAAAAAAAAAAAAE8xVfLMVv1U7S3PZlCqT4u7hsIbOe-N1BvKRtqrZ9JT"
_NOC = "noc_4f1c2b3a5d6e7f8091a2b3c4d5e6f708"

_RECORD: dict[str, Any] = {
    "record_id": "cctns:MH-PS0412-2024-0123-A1",
    "source": "cctns",
    "kind": "accused",
    "status": "ARRESTED",
    "fields": {
        "people": [
            {
                "role": "subject",
                "name": "RAJENDRA SHANKAR PATIL",
                "aliases": ["RAJU"],
                "relative_name": "SHANKAR PATIL",
                "relation": "S/O",
                "gender": "M",
                "birth_year": 1990,
            }
        ],
        "identifiers": [{"type": "fir", "value": "MH/PS0412/2024/123", "partial": False}],
        "state": "MH",
        "district": "PUNE",
        "police_station": "PS0412",
        "event_date": "2024-03-14",
        "attributes": {"act_section": "BNS 303(2)"},
    },
    "provenance": {
        "source": "cctns",
        "native_id": "MH-PS0412-2024-0123-A1",
        "source_updated_at": "2024-03-15T09:12:00+05:30",
        "fetched_at": "2024-03-15T10:00:04+00:00",
        "collection": "accused",
    },
    "match": {
        "score": 0.93,
        "reasons": [
            {"feature": "name", "query": "Rajendra Patil", "record": "RAJENDRA SHANKAR PATIL",
             "weight": 2.1},
            {"feature": "birth_year", "query": "1990", "record": "1990", "weight": 0.8},
        ],
    },
    "withheld": [{"field": "people.address", "reason": "outside your state", "count": 1}],
    "data_issues": [],
}  # fmt: skip

_VEHICLE = {
    "registration_no": "MH12AB1234",
    "chassis_no": "MA3EWDE1S00123456",
    "engine_no": "K12MN1234567",
    "make_model": "MARUTI SWIFT",
    "colour": "WHITE",
    "vehicle_class": "LMV",
    "owner_serial": 1,
}
_VEHICLE_RECORD: dict[str, Any] = {
    "record_id": "vahan:MH12AB1234#1",
    "source": "vahan",
    "kind": "vehicle_registration",
    "status": "ACTIVE",
    "fields": {
        "vehicle": _VEHICLE,
        "identifiers": [
            {"type": "registration", "value": "MH12AB1234", "partial": False},
            {"type": "chassis", "value": "MA3EWDE1S00123456", "partial": False},
        ],
        "state": "MH",
    },
    "provenance": None,
    "match": None,
    "withheld": [],
    "data_issues": [],
}

_NOC_OUT = {
    "noc_id": _NOC,
    "decision": "CLEAR",
    "reasons": [],
    "vehicle": {
        "registration_no": "MH12AB1234",
        "chassis_no": "MA3EWDE1S00123456",
        "engine_no": None,
    },
    "issued_at": "2024-03-15T10:00:00+00:00",
    "expires_at": "2024-04-14T10:00:00+00:00",
    "audience": "RTO Pune",
    "purpose": "inter-state transfer",
    "sources_last_sync": {
        "cctns": "2024-03-15T02:00:00+00:00",
        "vahan": "2024-03-15T02:10:00+00:00",
    },
    "certificate": "eyJhbGciOiJFUzI1NiIsInR5cCI6Im5vYytqd3MifQ.eyJqdGkiOiJub2MifQ.c2lnbmF0dXJl",
    "jwks_uri": "https://icjs.example.gov.in/.well-known/jwks.json",
}

_PERSON_SEARCH = {
    "name": "Rajendra Patil",
    "father_name": "Shankar",
    "birth_year": 1990,
    "state": "MH",
    "purpose": "FIR 0123/2024 PS Shivajinagar",
}

_HANDLE = "h1_Qm9ndXMgZXhhbXBsZSBoYW5kbGU6IG9wYXF1ZSBhbmQgc2VhbGVk"
_HIT = {
    "handle": _HANDLE,
    "source": "cctns",
    "state": "MH",
    "district": "PUNE",
    "police_station": "PS0412",
    "owner": "MH Police",
    "contact": "a supervisor of MH Police, police station PS0412: file an access request "
    "(POST /v1/access/requests) with this handle, a reason and a case reference",
}
_ACCESS_REQUEST = {
    "request_id": "ar_Zk3q9XbT2mLw0pQe",
    "created_at": "2024-03-15T09:00:00+00:00",
    "requester": "client:cbi-7f3a",
    "requester_agency": "CBI",
    "source": "cctns",
    "owner": "MH Police",
    "police_station": "PS0412",
    "reason": "co-accused in a CBI case of cheating (RC 0042/2026)",
    "case_reference": "RC 0042/2026 CBI ACB Mumbai",
    "status": "approved",
    "decided_by": "supervisor:dysp.kale",
    "decided_at": "2024-03-15T11:00:00+00:00",
    "decision_reason": "RC verified with CBI ACB Mumbai",
    "expires_at": "2024-03-22T11:00:00+00:00",
    "profile_id": _PROFILE,
}

_ALERT = {
    "id": 41,
    "created_at": "2024-04-03T06:12:09.000000+00:00",
    "recipient": "station:UP/2210",
    "kind": "missing_found",
    "score": 0.93,
    "review": False,
    "restricted": False,
    "own": {
        "restricted": False,
        "contact": "station:UP/2210",
        "record_id": "cctns:UP-PS2210-2024-MP-0031",
        "side": "missing",
        "source": "cctns",
        "status": "OPEN",
        "state": "UP",
        "names": ["SUNITA DEVI"],
        "gender": "F",
        "event_date": "2024-04-01",
    },
    "match": {
        "restricted": False,
        "contact": "station:UP/1187",
        "record_id": "cctns:UP-PS1187-2024-UP-0007",
        "side": "found",
        "source": "cctns",
        "status": "OPEN",
        "state": "UP",
        "gender": "F",
        "event_date": "2024-04-02",
        "marks": "MOLE ON LEFT CHEEK",
    },
    "evidence": [
        {"feature": "identifying marks", "missing": "MOLE ON LEFT CHEEK",
         "found": "MOLE ON LEFT CHEEK", "weight": 2.6},
        {"feature": "age", "missing": "born 1996-1997", "found": "born 1993-2000", "weight": 1.7},
    ],
    "detail": None,
    "acknowledged_at": None,
    "acknowledged_by": None,
}  # fmt: skip

_BROADCAST = {
    "broadcast_id": 3,
    "created_at": "2024-04-03T06:00:00.000000+00:00",
    "category": "wanted_person",
    "message": "Absconding accused in FIR 0123/2024 PS Shivajinagar; see profile.",
    "stations": [
        {"recipient": "station:MH/0412", "queued": True,
         "delivered_at": "2024-04-03T06:00:02.000000+00:00",
         "acknowledged_at": "2024-04-03T06:20:00.000000+00:00",
         "acknowledged_by": "officer-mh-0412-3"},
        {"recipient": "station:GJ/0077", "queued": True, "delivered_at": None,
         "acknowledged_at": None, "acknowledged_by": None},
    ],
}  # fmt: skip

REQUESTS: dict[tuple[str, str], Any] = {
    ("post", "/v1/alerts/{alert_id}/acknowledge"): {"note": "family informed; body identified"},
    ("post", "/v1/watches"): {"registration_no": "MH 12 AB 1234", "purpose": "FIR 0123/2024"},
    ("post", "/v1/broadcasts"): {
        "category": "wanted_person",
        "message": "Absconding accused in FIR 0123/2024 PS Shivajinagar; see profile.",
        "states": ["MH", "GJ"],
        "districts": [],
        "purpose": "FIR 0123/2024",
    },
    ("post", "/v1/persons/search"): _PERSON_SEARCH,
    ("post", "/v1/access/requests"): {
        "handle": _HANDLE,
        "reason": "co-accused in a CBI case of cheating (RC 0042/2026)",
        "case_reference": "RC 0042/2026 CBI ACB Mumbai",
    },
    ("post", "/v1/access/requests/{request_id}/decision"): {
        "decision": "approve",
        "reason": "RC verified with CBI ACB Mumbai",
    },
    ("post", "/v1/vehicles/search"): {
        "registration_no": "MH 12 AB 1234",
        "purpose": "checkpoint stop, NH48",
    },
    ("post", "/v1/noc/vehicle"): {
        "registration_no": "MH12AB1234",
        "chassis_no": "MA3EWDE1S00123456",
        "purpose": "inter-state transfer",
        "audience": "RTO Pune",
    },
    ("post", "/v1/persons/{profile_id}/decisions"): {
        "action": "split",
        "record_ids": ["sarathi:MH1220190004567"],
        "reason": "different father's name on the licence; confirmed with RTO Pune",
        "purpose": "FIR 0123/2024 PS Shivajinagar",
    },
    ("post", "/oauth/token"): {"grant_type": "client_credentials", "scope": "persons:search"},
    ("post", "/oauth/introspect"): {"token": "eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJhIn0.c2ln"},
    ("post", "/oauth/revoke"): {"token": "eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJhIn0.c2ln"},
}

_PROFILE_OUT = {
    "profile_id": _PROFILE,
    "confidence": 0.93,
    "display_name": "RAJENDRA SHANKAR PATIL",
    "names": ["RAJENDRA SHANKAR PATIL", "RAJU"],
    "identifiers": [{"type": "fir", "value": "MH/PS0412/2024/123", "partial": False}],
    "records": [_RECORD],
    "links": [],
    "restricted": [{"label": "sexual_offence", "count": 1}],
    "refused": [
        {
            "record_ids": ["cctns:MH-PS0412-2024-0123-A1", "sarathi:MH1220190004567"],
            "reasons": ["different father's name"],
        }
    ],
}
_PROFILE_READ = {
    **_PROFILE_OUT,
    "requested_profile_id": _PROFILE,
    "moved": [],
}

_NETWORK_NODES = [
    {
        "id": "record:cctns:MH-PS0412-2024-0123-A1",
        "kind": "record",
        "value": "cctns:MH-PS0412-2024-0123-A1",
        "hop": 0,
        "label": "RAJENDRA SHANKAR PATIL",
        "source": "cctns",
        "record_kind": "accused",
        "profile_id": _PROFILE,
        "suppressed": None,
    },
    {
        "id": "fir:MH/0412/2024/123",
        "kind": "fir",
        "value": "MH/0412/2024/123",
        "hop": 1,
        "label": None,
        "source": None,
        "record_kind": None,
        "profile_id": None,
        "suppressed": None,
    },
    {
        "id": "phone:+919999999999",
        "kind": "phone",
        "value": "+919999999999",
        "hop": 1,
        "label": None,
        "source": None,
        "record_kind": None,
        "profile_id": None,
        "suppressed": {"reason": "placeholder", "holders": 1874, "at_least": False},
    },
    {
        "id": "record:cctns:MH-PS0412-2024-0123-A2",
        "kind": "record",
        "value": "cctns:MH-PS0412-2024-0123-A2",
        "hop": 2,
        "label": "SURESH JADHAV",
        "source": "cctns",
        "record_kind": "accused",
        "profile_id": "p2_9Fh1-7wAAAAAAAAAAAAAAAE8xVfLMVv1U7S3PZlCqT4u7hsIbOe-N1BvKRtqrZ9JT",
        "suppressed": None,
    },
]
_NETWORK_EDGES = [
    {
        "record_node": "record:cctns:MH-PS0412-2024-0123-A1",
        "value_node": "fir:MH/0412/2024/123",
        "relation": "accused in",
        "record_id": "cctns:MH-PS0412-2024-0123-A1",
        "source": "cctns",
        "at": "2024-03-02T00:00:00+00:00",
    },
    {
        "record_node": "record:cctns:MH-PS0412-2024-0123-A2",
        "value_node": "fir:MH/0412/2024/123",
        "relation": "accused in",
        "record_id": "cctns:MH-PS0412-2024-0123-A2",
        "source": "cctns",
        "at": "2024-03-02T00:00:00+00:00",
    },
]
_NETWORK = {
    "request_id": _REQUEST_ID,
    "seeds": ["record:cctns:MH-PS0412-2024-0123-A1"],
    "nodes": _NETWORK_NODES,
    "edges": [
        *_NETWORK_EDGES,
        {
            "record_node": "record:cctns:MH-PS0412-2024-0123-A1",
            "value_node": "phone:+919999999999",
            "relation": "phone of",
            "record_id": "cctns:MH-PS0412-2024-0123-A1",
            "source": "cctns",
            "at": "2024-03-02T00:00:00+00:00",
        },
    ],
    "truncated": [],
    "caps": {"fir": 60, "phone": 12, "vehicle": 30},
    "analysis": None,
}
GRAPHML_EXAMPLE = (
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
    '  <key id="d0" for="node" attr.name="kind" attr.type="string" />\n'
    '  <graph edgedefault="undirected">\n'
    '    <node id="fir:MH/0412/2024/123"><data key="d0">fir</data></node>\n'
    "  </graph>\n</graphml>\n"
)

RESPONSES: dict[tuple[str, str, str], Any] = {
    ("get", "/v1/network/profiles/{profile_id}", "200"): _NETWORK,
    ("get", "/v1/network/identifiers/{kind}", "200"): {
        **_NETWORK,
        "seeds": ["fir:MH/0412/2024/123"],
    },
    ("get", "/v1/network/paths", "200"): {
        "request_id": _REQUEST_ID,
        "from_seeds": ["record:cctns:MH-PS0412-2024-0123-A1"],
        "to_seeds": ["record:cctns:MH-PS0412-2024-0123-A2"],
        "max_hops": 6,
        "paths": [
            {
                "length": 2,
                "nodes": [
                    "record:cctns:MH-PS0412-2024-0123-A1",
                    "fir:MH/0412/2024/123",
                    "record:cctns:MH-PS0412-2024-0123-A2",
                ],
                "edges": _NETWORK_EDGES,
            }
        ],
        "nodes": [_NETWORK_NODES[0], _NETWORK_NODES[1], _NETWORK_NODES[3]],
        "truncated": [],
    },
    ("get", "/v1/alerts", "200"): {
        "request_id": _REQUEST_ID,
        "alerts": [_ALERT],
        "next_after": None,
        "recipients": ["station:UP/2210", "district:UP/LUCKNOW"],
    },
    ("post", "/v1/watches", "201"): {"watch_id": 7, "keys": 1, "watching": []},
    ("get", "/v1/alerts/stream", "200"): 'retry: 1000\n\nid: 41\nevent: alert\ndata: {"id": 41, '
    '"kind": "missing_found", "recipient": "station:UP/2210", "score": 0.93}\n\n',
    ("post", "/v1/broadcasts", "201"): _BROADCAST,
    ("get", "/v1/broadcasts/{broadcast_id}", "200"): _BROADCAST,
    ("get", "/v1/watches/{watch_id}", "200"): {"watch_id": 7, "keys": 1, "watching": []},
    ("delete", "/v1/watches/{watch_id}", "200"): {"watch_id": 7, "removed": True},
    ("post", "/v1/alerts/{alert_id}/acknowledge", "200"): {
        "id": 41,
        "acknowledged_at": "2024-04-03T07:00:00.000000+00:00",
        "acknowledged_by": "officer-up-2210-17",
    },
    ("post", "/v1/persons/search", "200"): {
        "request_id": _REQUEST_ID,
        "profiles": [_PROFILE_OUT],
        "candidates": 240,
        "matched_records": 3,
        "min_score": 0.15,
        "withheld": {
            "fields": {"outside your state": 1},
            "restrictions": ["records labelled sexual_offence hidden"],
        },
        "hits": [_HIT],
    },
    ("post", "/v1/access/requests", "201"): {
        **_ACCESS_REQUEST,
        "status": "pending",
        "decided_by": None,
        "decided_at": None,
        "decision_reason": None,
        "expires_at": None,
        "profile_id": None,
    },
    ("get", "/v1/access/requests", "200"): {"requests": [_ACCESS_REQUEST]},
    ("get", "/v1/access/requests/{request_id}", "200"): _ACCESS_REQUEST,
    ("get", "/v1/access/pending", "200"): {
        "requests": [
            {
                **_ACCESS_REQUEST,
                "status": "pending",
                "decided_by": None,
                "decided_at": None,
                "decision_reason": None,
                "expires_at": None,
                "profile_id": None,
            }
        ]
    },
    ("post", "/v1/access/requests/{request_id}/decision", "200"): _ACCESS_REQUEST,
    ("get", "/v1/persons/{profile_id}", "200"): _PROFILE_READ,
    ("get", "/v1/profiles/{profile_id}/docket", "200"): "%PDF-1.7\n% (binary: the docket)",
    ("get", "/v1/ndso/register", "200"): {
        "total": 1,
        "entries": [
            {
                "names": ["RAJENDRA SHANKAR PATIL", "RAJU"],
                "station": {
                    "state": "MH",
                    "district": "PUNE",
                    "police_station": "PS0412",
                    "police_station_name": "SHIVAJINAGAR",
                },
                "convictions": [
                    {
                        "record_id": "cctns:MH-PS0412-2024-0123-A1",
                        "source": "cctns",
                        "fir": "MH/PS0412/2024/123",
                        "sections": "BNS 64",
                    }
                ],
                "records": [{**_RECORD, "status": "CONVICTED"}],
            }
        ],
        "review": [],
        "request_id": _REQUEST_ID,
    },
    ("get", "/v1/proclaimed-offenders", "200"): {
        "total": 1,
        "offenders": [{**_RECORD, "status": "ABSCONDING"}],
        "request_id": _REQUEST_ID,
    },
    ("post", "/v1/persons/{profile_id}/decisions", "201"): {
        "decision_id": "dec_5f0c1a2b3c4d5e6f7a8b",
        "action": "split",
        "reason": "different father's name on the licence; confirmed with RTO Pune",
        "decided_by": "supervisor:si.more",
        "decided_at": "2024-03-15T11:20:00+00:00",
        "pairs": 1,
        "profile": _PROFILE_READ,
    },
    ("post", "/v1/vehicles/search", "200"): {
        "request_id": _REQUEST_ID,
        "vehicles": [
            {
                "registration_no": "MH12AB1234",
                "chassis_no": "MA3EWDE1S00123456",
                "engine_no": "K12MN1234567",
                "match": "exact",
                "details": _VEHICLE,
                "rc_status": "ACTIVE",
                "blacklisted": False,
                "blacklist_status": None,
                "noc_issued": None,
                "live": False,
                "owners": [
                    {
                        "owner_serial": 1,
                        "current": True,
                        "profile_id": _PROFILE,
                        "record": _VEHICLE_RECORD,
                    }
                ],
                "reports": [],
                "nocs": [
                    {"noc_id": _NOC, "decision": "CLEAR", "issued_at": "2024-03-15T10:00:00+00:00"}
                ],
            }
        ],
        "unlinked_reports": [],
        "live_lookup": "not_needed",
        "withheld": {"fields": {}, "restrictions": []},
    },
    ("post", "/v1/noc/vehicle", "201"): _NOC_OUT,
    ("get", "/v1/noc/{noc_id}", "200"): {
        **_NOC_OUT,
        "current_decision": "NOT_CLEAR",
        "current_reasons": [
            {
                "code": "stolen",
                "detail": "CCTNS report MH-PS0412-2024-0999-V1 (FIR 999/2024, PS PS0412, MH): "
                "STOLEN",
                "record_id": "cctns:MH-PS0412-2024-0999-V1",
            }
        ],
        "changed": True,
        "status": "revoked",
        "revoked_at": "2024-03-20T08:00:00+00:00",
        "revoked_reason": "theft report cctns:MH-PS0412-2024-0999-V1",
        "certificate_valid": False,
    },
    ("post", "/oauth/token", "200"): {
        "access_token": "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJjYmkifQ.c2ln",
        "token_type": "Bearer",
        "expires_in": 900,
        "scope": "persons:search",
    },
    ("post", "/oauth/introspect", "200"): {
        "active": True,
        "token_type": "Bearer",
        "scope": "persons:search",
        "client_id": "cbi-7f3a",
        "sub": "cbi-7f3a",
        "aud": "icjs-api",
        "iss": "https://icjs.example.gov.in",
        "exp": 1710497700,
        "iat": 1710496800,
        "jti": "b1f4e6a8",
        "role": "partner",
        "agency": "CBI",
    },
    ("post", "/oauth/revoke", "200"): {},
    ("get", "/.well-known/jwks.json", "200"): {
        "keys": [
            {
                "kty": "EC",
                "crv": "P-256",
                "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
                "kid": "2024-03-a",
                "use": "sig",
                "alg": "ES256",
            }
        ]
    },
    ("get", "/v1/audit", "200"): {
        "entries": [
            {
                "seq": 1042,
                "time": "2024-03-15T10:00:00.123456+00:00",
                "actor": "officer-4711",
                "agency": None,
                "client": None,
                "role": "officer",
                "actor_state": "MH",
                "actor_district": "PUNE",
                "route": "/v1/persons/search",
                "method": "POST",
                "status": 200,
                "decision": "allow",
                "query": {"name": "Rajendra Patil", "limit": 20},
                "purpose": "FIR 0123/2024 PS Shivajinagar",
                "record_ids": ["cctns:MH-PS0412-2024-0123-A1"],
                "latency_ms": 48.2,
                "request_id": _REQUEST_ID,
                "reason": None,
                "prev_hash": "9f2c…",
                "hash": "41ab…",
                "client_address": "10.2.3.4",
                "user_agent": "cbi-case-system/2.1",
            }
        ],
        "scope": "district MH/PUNE",
        "next_before_seq": 1042,
    },
    ("get", "/metrics", "200"): (
        "# HELP icjs_requests_total Requests by method, route and status.\n"
        "# TYPE icjs_requests_total counter\n"
        'icjs_requests_total{method="POST",route="/v1/persons/search",status="200"} 1042.0\n'
    ),
    ("get", "/.well-known/oauth-authorization-server", "200"): {
        "issuer": "https://icjs.example.gov.in",
        "token_endpoint": "https://icjs.example.gov.in/oauth/token",
        "jwks_uri": "https://icjs.example.gov.in/.well-known/jwks.json",
        "introspection_endpoint": "https://icjs.example.gov.in/oauth/introspect",
        "revocation_endpoint": "https://icjs.example.gov.in/oauth/revoke",
        "grant_types_supported": ["client_credentials"],
        "response_types_supported": ["none"],
        "scopes_supported": ["noc:issue", "noc:read", "persons:read", "persons:search",
                             "vehicles:search"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256", "RS256"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic",
                                                          "private_key_jwt"],
        "introspection_endpoint_auth_signing_alg_values_supported": ["ES256", "RS256"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
        "revocation_endpoint_auth_signing_alg_values_supported": ["ES256", "RS256"],
        "service_documentation": "https://icjs.example.gov.in/docs",
        "tls_client_certificate_bound_access_tokens": True,
    },
    ("get", "/healthz", "200"): {"status": "ok", "detail": None},
    ("get", "/readyz", "200"): {"status": "ready", "detail": "embedded index var/icjs.db, v3"},
    ("get", "/v1/sync/status", "200"): {"configured": False, "detail": "no sync state on this node",
                                        "sources": []},
}  # fmt: skip
