"""The sensitivity classifier over offence sections (`records.offences`, data in offences.toml)."""

from __future__ import annotations

import pytest

from records import Kind, Sensitivity, Source
from records.offences import content_labels, labels_for_category, labels_for_sections
from tests.plugins.backends import make

SEXUAL = frozenset({Sensitivity.SEXUAL_OFFENCE})


@pytest.mark.parametrize(
    "text",
    [
        "IPC 376",
        "POCSO 4, 6",
        "IPC 354",
        "BNS 64",  # the sections of the simulated world's sensitive FIRs
        "376(2)(n) IPC",
        "u/s 376-D, 506 IPC",
        "Sec. 4 of POCSO Act 2012",
        "IPC 302 & POCSO 6",
        "379/411 IPC and 354 A IPC",
        "I.P.C. 354-D",
        "B.N.S. 70(1)",
        "BNS 63 r/w 3(5)",
        "Bharatiya Nyaya Sanhita 74",
        "IT Act 67B",
        "Sections 3, 4, 5 ITPA",
        "भादंवि ३७६",  # Hindi abbreviation, Devanagari digits
        "376, 506",  # no act named: read under the penal codes
        "IPC-376",
    ],
)
def test_sexual_offences_are_labelled(text: str) -> None:
    assert labels_for_sections(text) == SEXUAL, text


@pytest.mark.parametrize(
    "text",
    [
        "IPC 379, 411",
        "IPC 420, 467, 468",
        "IPC 302",
        "IPC 307, 34",
        "IPC 323, 504, 506",
        "BNS 303(2)",
        "BNS 318(4)",
        "NDPS 8(c), 21",
        "Arms Act 25",
        "IT Act 66C, 66D",
        "IPC 302, NDPS 21",  # 21 is the NDPS Act's, not the penal code's
        "IPC 302 r/w 34",
        "IPC 3760",  # four digits are a year, not a section
        "",
    ],
)
def test_other_offences_are_not(text: str) -> None:
    assert labels_for_sections(text) == frozenset(), text


def test_complaint_categories() -> None:
    assert labels_for_category("Child Pornography/Child Sexual Abuse Material (CSAM)") == SEXUAL
    assert labels_for_category("Sale, Publishing and Transmitting Obscene Material") == SEXUAL
    assert labels_for_category("Online Financial Fraud") == frozenset()
    assert labels_for_category("Cyber Bullying/Stalking") == frozenset()


def test_content_labels_read_any_source_at_any_depth() -> None:
    inmate = make(
        Source.EPRISONS,
        "MH/YER/2024/000001",
        Kind.INMATE,
        attributes={"cases": [{"firNumber": "0001/2024", "sections": "IPC 302"}]},
        raw={"cases": [{"sections": "IPC 302"}, {"sections": "BNS 64"}]},
    )
    assert content_labels(inmate) == SEXUAL
    complaint = make(
        Source.NCRP,
        "31505240012345",
        Kind.CYBER_COMPLAINT,
        attributes={"category": "Women/Child Related Crime", "sub_category": "Rape/Gang Rape"},
    )
    assert content_labels(complaint) == SEXUAL
    theft = make(Source.CCTNS, "X-1", Kind.ACCUSED, attributes={"act_section": "IPC 379"})
    assert content_labels(theft) == frozenset()
