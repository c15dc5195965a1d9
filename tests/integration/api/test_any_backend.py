"""The same API answers on every engine: embedded always, OpenSearch under `make test`,
Elasticsearch when `ICJS_TEST_ELASTICSEARCH_URL` is set."""

from __future__ import annotations

from config import Settings
from indexer.backends.base import Backend
from tests.plugins.api import api_world, fill, start_api


def test_person_and_vehicle_search_on_each_engine(
    any_backend: Backend, api_settings: Settings
) -> None:
    fill(any_backend, api_world())
    with start_api(api_settings, any_backend) as api:
        officer = api.officer()
        assert api.http.get("/readyz").status_code == 200
        persons = api.post(
            "/v1/persons/search",
            officer,
            json={"name": "Rajendra Shankar Patil", "purpose": "engine parity"},
        )
        assert persons.status_code == 200, persons.text
        profile = next(
            p
            for p in persons.json()["profiles"]
            if "cctns:MH-PS0412-2024-0123-A1" in {r["record_id"] for r in p["records"]}
        )
        members = {r["record_id"] for r in profile["records"]}
        assert "eprisons:MH/YERAWADA/2024/000123" in members  # index-time FIR link
        vehicles = api.post(
            "/v1/vehicles/search", officer, json={"chassis_no": "99887", "purpose": "theft check"}
        ).json()
        assert [v["registration_no"] for v in vehicles["vehicles"]] == ["GJ01XY0099"]
        opened = api.get(
            f"/v1/persons/{profile['profile_id']}", officer, params={"purpose": "engine parity"}
        )
        assert opened.status_code == 200
