"""Identifier normalisers: separators and case do not matter; garbage is None."""

import pytest

from matching import identifiers as ids


@pytest.mark.parametrize(
    ("raw", "want"),
    [("MH-12-AB-1234", "MH12AB1234"), ("mh12ab1234", "MH12AB1234"), ("DL 3C AB 123", "DL03CAB0123"),
     ("GJ 9 AA 1", "GJ09AA0001"), ("GJ-09-AA-0001", "GJ09AA0001"),
     ("22BH1234AA", "22BH1234AA"), ("22 bh 1234 aa", "22BH1234AA"), ("garbage", None), ("", None)],
)  # fmt: skip
def test_registration(raw: str, want: str | None) -> None:
    assert ids.normalise_registration(raw) == want


def test_dl_passport_mobile_upi_fir() -> None:
    assert ids.normalise_dl("MH14 20110062821") == "MH1420110062821"
    assert ids.normalise_dl("MH-1420110062821") == "MH1420110062821"
    assert ids.normalise_dl("MH14") is None
    assert ids.normalise_passport("j 8369854") == "J8369854"
    assert ids.normalise_passport("12345678") is None
    assert ids.normalise_mobile("+91 98765 43210") == "+919876543210"
    assert ids.normalise_mobile("09876543210") == "+919876543210"
    assert ids.normalise_mobile("98765XXXXX") is None
    assert ids.normalise_upi("Ramesh.K@OKSBI") == "ramesh.k@oksbi"
    assert ids.normalise_upi("no-handle") is None
    assert ids.normalise_fir("mh", "0412", "0123/2024") == "MH/0412/2024/123"
    assert ids.normalise_fir("MH", "0412", "bad") is None


def test_partial_chassis() -> None:
    full = "MA3EWDE1S00123456"
    assert ids.normalise_chassis("ma3-ewde1s00123456") == full
    assert ids.chassis_matches(full, "23456")
    assert ids.chassis_matches(full, "s00-123456")
    assert ids.chassis_matches(full, full)
    assert not ids.chassis_matches(full, "99999")
    assert not ids.chassis_matches(full, "456")  # too short to mean anything
    assert not ids.chassis_matches(None, "23456")
    assert ids.chassis_suffix(full) == "23456"
    assert ids.chassis_suffix("abc") is None
