"""Pytest fixtures: search backends (owner: the search-backends engineer).

- `sample_records`: a tiny, readable world (eleven records over seven sources) with every kind of
  entity link in it and a few records the policy must hide. Also importable as
  `tests.plugins.backends.sample_world()` for code outside fixtures.
- `embedded_backend`: an empty embedded backend on a fresh SQLite file under `tmp_path`.
- `filled_backend`: the same, holding `sample_records` (what API tests want).
- `any_backend`: parametrised over every engine reachable here: embedded always, OpenSearch when
  `ICJS_TEST_OPENSEARCH_URL` is set (`make test`), Elasticsearch when
  `ICJS_TEST_ELASTICSEARCH_URL` is set; each on a fresh index prefix, deleted afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from config import SearchSettings
from indexer import open_backend
from indexer.backends.base import Backend
from indexer.backends.elastic import ElasticBackend
from records import (
    Identifier,
    IdType,
    Kind,
    Person,
    PersonRole,
    Provenance,
    Record,
    Relation,
    Sensitivity,
    Source,
    Vehicle,
)

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def make(
    source: Source,
    native_id: str,
    kind: Kind,
    *,
    updated: datetime = T0,
    **fields: object,
) -> Record:
    """A record with its provenance filled in; `fields` are `Record` fields."""
    provenance = Provenance(
        source=source, native_id=native_id, source_updated_at=updated, fetched_at=updated
    )
    return Record(
        record_id=f"{source.value}:{native_id}",
        source=source,
        kind=kind,
        provenance=provenance,
        **fields,  # type: ignore[arg-type]
    )


FIR = "MH/0412/2024/123"
DL = "MH1420110062821"


def sample_world() -> list[Record]:
    rajendra_address = "H NO 12, GANESH PETH, PUNE"
    return [
        make(
            Source.CCTNS,
            "MH-PS0412-2024-0123-A1",
            Kind.ACCUSED,
            status="ARRESTED",
            state="MH",
            people=(
                Person(
                    name="RAJU @ RAJENDRA SHANKAR PATIL",
                    aliases=("PAPPU",),
                    relative_name="SHANKAR PATIL",
                    relation=Relation.SON_OF,
                    birth_year=1990,
                    address=rajendra_address,
                ),
            ),
            identifiers=(
                Identifier(type=IdType.FIR, value=FIR),
                Identifier(type=IdType.DRIVING_LICENCE, value=DL),
                Identifier(type=IdType.MOBILE, value="+919876543210"),
            ),
        ),
        make(
            Source.CCTNS,
            "MH-PS0412-2024-0123-A2",
            Kind.ACCUSED,
            status="ABSCONDING",
            state="MH",
            people=(Person(name="SURESH GANPAT PATIL", relative_name="GANPAT PATIL"),),
            identifiers=(Identifier(type=IdType.FIR, value=FIR),),
        ),
        make(
            Source.EPRISONS,
            "MH/YERAWADA/2024/000123",
            Kind.INMATE,
            status="UNDERTRIAL",
            state="MH",
            people=(Person(name="Rajendra Shankar Patil", relative_name="Shankar Patil"),),
            identifiers=(
                Identifier(type=IdType.FIR, value=FIR),
                Identifier(type=IdType.PRISONER, value="MH/YERAWADA/2024/000123"),
            ),
        ),
        make(
            Source.SARATHI,
            DL,
            Kind.DRIVING_LICENCE,
            status="ACTIVE",
            state="MH",
            people=(
                Person(
                    name="Rajendra Patil",
                    relative_name="Shankar Patil",
                    birth_date=date(1990, 2, 11),
                    address=rajendra_address,
                ),
            ),
            identifiers=(Identifier(type=IdType.DRIVING_LICENCE, value=DL),),
        ),
        make(
            Source.VAHAN,
            "MH12AB1234#2",
            Kind.VEHICLE_REGISTRATION,
            status="ACTIVE",
            state="MH",
            people=(
                Person(
                    role=PersonRole.OWNER,
                    name="RAJENDRA PATIL",
                    birth_date=date(1990, 2, 11),
                    address="H.NO. 12 GANESH PETH PUNE 411002",
                ),
            ),
            vehicle=Vehicle(
                registration_no="MH12AB1234",
                chassis_no="MA3EWDE1S00123456",
                engine_no="K12MN1234567",
                make_model="MARUTI SWIFT",
            ),
            identifiers=(
                Identifier(type=IdType.REGISTRATION, value="MH12AB1234"),
                Identifier(type=IdType.CHASSIS, value="MA3EWDE1S00123456"),
            ),
        ),
        make(
            Source.CCTNS,
            "DL-PS0101-2024-0456-V1",
            Kind.VEHICLE_REPORT,
            status="STOLEN",
            state="DL",
            vehicle=Vehicle(registration_no="MH12AB1234", chassis_no="23456"),
            identifiers=(
                Identifier(type=IdType.REGISTRATION, value="MH12AB1234"),
                Identifier(type=IdType.CHASSIS, value="23456", partial=True),
            ),
        ),
        make(
            Source.CCTNS,
            "UP-PS2210-2023-0077-A1",
            Kind.ACCUSED,
            state="UP",
            people=(Person(name="VIKRAM SINGH", relative_name="RAGHUVIR SINGH"),),
            sensitivity=frozenset({Sensitivity.SEXUAL_OFFENCE}),
        ),
        make(
            Source.KHOYAPAYA,
            "KP-2024-000311",
            Kind.MISSING_PERSON,
            status="OPEN",
            state="BR",
            people=(Person(role=PersonRole.MISSING, name="PRIYA KUMARI", age_from=9, age_to=9),),
            sensitivity=frozenset({Sensitivity.CHILD}),
        ),
        make(
            Source.IVFRT,
            "IVFRT-DL-2022-8812",
            Kind.FOREIGNER,
            status="ACTIVE",
            state="DL",
            people=(Person(name="JOHN MICHAEL SMITH", nationality="GBR"),),
            identifiers=(Identifier(type=IdType.PASSPORT, value="X1234567"),),
        ),
        make(
            Source.NCRP,
            "31207240012345",
            Kind.CYBER_COMPLAINT,
            state="KA",
            people=(
                Person(role=PersonRole.COMPLAINANT, name="ANITA SHARMA"),
                Person(role=PersonRole.SUSPECT, name="RAHUL VERMA"),
            ),
            identifiers=(Identifier(type=IdType.UPI, value="rahul.v@oksbi"),),
            sensitivity=frozenset({Sensitivity.VICTIM}),
        ),
        make(
            Source.EPRISONS,
            "TN/PUZHAL/2023/004512",
            Kind.INMATE,
            status="CONVICT",
            state="TN",
            people=(Person(name="K. Murugan", name_local="க. முருகன்", relative_name="Kandasamy"),),
        ),
    ]


@pytest.fixture
def sample_records() -> list[Record]:
    return sample_world()


@pytest.fixture
def embedded_backend(tmp_path: Path) -> Iterator[Backend]:
    backend = open_backend(SearchSettings(backend="embedded", path=tmp_path / "icjs.db"))
    yield backend
    backend.close()


@pytest.fixture
def filled_backend(embedded_backend: Backend, sample_records: list[Record]) -> Backend:
    result = embedded_backend.upsert(sample_records)
    assert result.indexed == len(sample_records) and not result.failed
    embedded_backend.flush()
    return embedded_backend


def _engines() -> list[str]:
    return ["embedded", "opensearch", "elasticsearch"]


def cluster_url(engine: str) -> str:
    """The URL of the test cluster of `engine` ("opensearch", "elasticsearch"); the test is
    skipped when there is none, except OpenSearch in CI, where `make test` starts one and a
    missing node is an error rather than a quiet skip."""
    url = os.environ.get(f"ICJS_TEST_{engine.upper()}_URL")
    if not url:
        if engine == "opensearch" and os.environ.get("CI"):
            pytest.fail("ICJS_TEST_OPENSEARCH_URL is not set: run the suite with `make test`")
        pytest.skip(f"no {engine} cluster: set ICJS_TEST_{engine.upper()}_URL")
    return url


@pytest.fixture(params=_engines())
def any_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A fresh, empty backend of each engine that is reachable (others are skipped)."""
    engine: str = request.param
    if engine == "embedded":
        settings = SearchSettings(backend="embedded", path=tmp_path / "icjs.db")
    else:
        url = cluster_url(engine)
        settings = SearchSettings(
            backend=engine,  # type: ignore[arg-type]
            url=url,
            index_prefix=f"icjs-test-{uuid.uuid4().hex[:10]}",
        )
    backend = open_backend(settings)
    yield backend
    if isinstance(backend, ElasticBackend):
        backend.index.drop_all()
    backend.close()
