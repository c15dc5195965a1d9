"""The OpenAPI document says what the server does: schemes and scopes, every status with its
schema and media type, headers, operation ids, examples that validate, links; and routing agrees
(an unknown method on a known path is 405, not a 422 for a malformed id)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import jsonschema_rs

from api.openapi import SCOPES
from tests.plugins.api import LiveApi

PROBLEM = "application/problem+json"


def _document(api: LiveApi) -> dict[str, Any]:
    doc: dict[str, Any] = api.http.get("/openapi.json").json()
    return doc


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, operations in doc["paths"].items()
        for method, operation in operations.items()
    ]


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = doc["components"][kind][name]
    return node


def test_security_schemes_and_scopes(live_api: LiveApi) -> None:
    doc = _document(live_api)
    schemes = doc["components"]["securitySchemes"]
    flow = schemes["partnerOAuth2"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/oauth/token"
    policy = live_api.auth.policy
    assert set(flow["scopes"]) == set(SCOPES) >= policy.known_scopes()
    assert all(flow["scopes"].values())
    assert schemes["officerBearer"] == {**schemes["officerBearer"], "scheme": "bearer"}
    assert schemes["clientSecretBasic"]["scheme"] == "basic"
    assert "private_key_jwt" in schemes["clientSecretBasic"]["description"]
    for method, path, operation in _operations(doc):
        security = operation["security"]
        if path.startswith("/oauth/"):
            assert security == [{"clientSecretBasic": []}, {}], path
            body = _resolve(
                doc,
                operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"],
            )
            assert {"client_assertion", "client_assertion_type"} <= set(body["properties"])
        elif path.startswith("/v1/"):
            scopes = {s for requirement in security for v in requirement.values() for s in v}
            assert len(scopes) == 1 and scopes <= set(SCOPES), (method, path, security)
            assert f"Required scope: `{scopes.pop()}`" in operation["description"]
    noc_issue = doc["paths"]["/v1/noc/vehicle"]["post"]["security"]
    assert noc_issue == [{"partnerOAuth2": ["noc:issue"]}], "only the NOC service issues NOCs"


def test_every_status_with_its_schema_media_type_and_headers(live_api: LiveApi) -> None:
    doc = _document(live_api)
    text = str(doc)
    assert "HTTPValidationError" not in text
    for method, path, operation in _operations(doc):
        assert re.fullmatch(r"[a-z]+[A-Za-z]*", operation["operationId"]), operation["operationId"]
        assert operation["summary"] and operation["tags"] and operation["description"]
        responses = operation["responses"]
        for code in ("400", "413", "500", "503"):
            assert code in responses, (method, path, code)
        if path not in ("/healthz", "/readyz", "/metrics"):
            assert "429" in responses
        for code, response in responses.items():
            response = _resolve(doc, response)
            headers = response["headers"]
            assert "X-Request-ID" in headers, (method, path, code)
            if code.startswith("4") or code.startswith("5"):
                assert PROBLEM in response["content"], (method, path, code)
                schema = response["content"][PROBLEM]["schema"]["$ref"].rsplit("/", 1)[-1]
                if not path.startswith("/oauth/") or code in ("413", "500", "503"):
                    expected = "ValidationProblem" if code == "422" else "Problem"
                    assert schema == expected, (method, path, code)
                    assert set(response["content"]) == {PROBLEM}
                else:
                    assert response["content"]["application/json"]["schema"]["$ref"].endswith(
                        "/OAuthError"
                    )
            if code == "401":
                assert "WWW-Authenticate" in headers
            if code == "429":
                assert _resolve(doc, headers["Retry-After"])["required"] is True
            if code == "201":
                assert "Location" in headers
        if any(p["in"] == "path" for p in operation.get("parameters", [])):
            assert "404" in responses
    problem = doc["components"]["schemas"]["ValidationProblem"]
    assert "errors" in problem["required"]


def test_examples_validate_against_their_schemas(live_api: LiveApi) -> None:
    doc = _document(live_api)
    seen = 0
    for method, path, operation in _operations(doc):
        media: list[dict[str, Any]] = list(
            operation.get("requestBody", {}).get("content", {}).values()
        )
        for code, response in operation["responses"].items():
            if code.startswith("2"):
                media += list(_resolve(doc, response).get("content", {}).values())
                assert "example" in next(iter(response["content"].values())), (method, path)
        for item in media:
            if "example" not in item or "schema" not in item:
                continue
            # the schema with the document's components beside it, so its references resolve
            schema = {**item["schema"], "components": doc["components"]}
            validator = jsonschema_rs.Draft202012Validator(schema)
            errors = [str(e) for e in validator.iter_errors(item["example"])]
            assert not errors, (method, path, errors[:3])
            seen += 1
    assert seen >= 15


def test_rules_are_stated_and_links_wired(live_api: LiveApi) -> None:
    doc = _document(live_api)
    person = doc["components"]["schemas"]["PersonSearchRequest"]
    name = person["properties"]["name"]
    assert name["pattern"] and name["not"]["pattern"]
    assert person["not"]["required"] == ["birth_year", "age"]
    years = person["properties"]["birth_year"]["anyOf"][0]
    assert years["maximum"] == date.today().year
    vehicle = doc["components"]["schemas"]["VehicleSearchRequest"]
    assert vehicle["properties"]["chassis_no"]["anyOf"][0]["pattern"]
    assert "not" in vehicle
    search = doc["paths"]["/v1/persons/search"]["post"]["responses"]["200"]["links"]
    assert search["GetProfile"]["operationId"] == "getProfile"
    issued = doc["paths"]["/v1/noc/vehicle"]["post"]["responses"]["201"]["links"]
    assert issued["GetNoc"]["parameters"] == {"noc_id": "$response.body#/noc_id"}


def test_unknown_methods_are_405_with_allow(live_api: LiveApi) -> None:
    token = live_api.officer()
    for path, allowed in (("/v1/persons/search", "POST"), ("/v1/noc/vehicle", "POST")):
        response = live_api.get(path, token)
        assert response.status_code == 405, (path, response.text)
        assert response.headers["allow"] == allowed
        assert response.headers["content-type"].startswith(PROBLEM)
    assert live_api.get("/v1/persons/not-an-id", token).status_code == 404
