"""A value as an officer types it reaches the node the connectors' records were given: a FIR
with its state its case, a FIR without one the stateless node e-Prisons cases are given."""

from __future__ import annotations

import pytest

from matching.identifiers import normalise_fir
from network import node_id, value_node
from network.extract import unstated_fir_node
from network.model import NodeKind
from records.firs import fir_without_state

# what a CCTNS record of FIR 123 of 2024, station 0412, Maharashtra, is stored as
STORED = node_id(NodeKind.FIR, normalise_fir("MH", "0412", "0123/2024") or "")
# and what an e-Prisons case naming station 0412 and FIR 123/2024 without a state is stored as
UNSTATED = node_id(NodeKind.FIR, fir_without_state(normalise_fir("-", "0412", "0123/2024")) or "")


@pytest.mark.parametrize(
    "typed",
    [
        "MH/0412/2024/0123",  # leading zeros, as the FIR register prints it
        "MH/0412/2024/123",
        "mh / 0412 / 2024 / 0123",
        "MH/0412/123/2024",  # number before year, as a FIR is cited ("FIR 123/2024")
    ],
)
def test_a_fir_as_typed_with_its_state_reaches_the_stored_case(typed: str) -> None:
    assert STORED == "fir:MH/0412/2024/123"
    assert value_node(NodeKind.FIR, typed) == STORED


@pytest.mark.parametrize("typed", ["0412/2024/123", "0412/2024/00123", "0412/0123/2024"])
def test_a_fir_typed_without_its_state_reaches_the_stateless_node(typed: str) -> None:
    """The network service widens it to every state's case (`NetworkService.value_seed`)."""
    assert UNSTATED == "fir:0412/2024/123"
    assert value_node(NodeKind.FIR, typed) == UNSTATED


def test_a_stated_fir_node_answers_to_its_stateless_reading() -> None:
    assert unstated_fir_node(STORED) == UNSTATED
    assert unstated_fir_node(UNSTATED) is None
    assert unstated_fir_node("phone:+919822000001") is None


def test_a_number_that_looks_like_a_year_keeps_the_written_order() -> None:
    assert value_node(NodeKind.FIR, "0412/2024/2023") == "fir:0412/2024/2023"


@pytest.mark.parametrize(
    "typed", ["0412/2024", "MH/0412/2024/12A", "not a fir", "a/b/c/d/e", "M-H/0412/2024/1"]
)
def test_what_is_no_fir_is_no_node(typed: str) -> None:
    assert value_node(NodeKind.FIR, typed) is None
