"""Hit-flag handles: sealed like profile ids, but a fresh nonce each time (two answers naming
the same records cannot be linked); anything not issued by the server does not open."""

from __future__ import annotations

import secrets

from federation.profile_ids import KEY_BYTES, ProfileIds


def test_handles_open_to_their_records_and_never_repeat() -> None:
    ids = ProfileIds([secrets.token_bytes(KEY_BYTES)])
    members = ["cctns:MH-1", "eprisons:MH/Y/1"]
    first, second = ids.issue_handle(members), ids.issue_handle(reversed(members))
    assert first != second
    assert ids.open_handle(first) == ids.open_handle(second) == sorted(members)
    assert ids.open(first) is None  # a handle is not a profile id
    assert ids.open_handle(ids.issue(members)) is None  # nor the other way round


def test_a_forged_or_altered_handle_does_not_open() -> None:
    ids = ProfileIds([secrets.token_bytes(KEY_BYTES)])
    other = ProfileIds([secrets.token_bytes(KEY_BYTES)])
    handle = ids.issue_handle(["cctns:MH-1"])
    assert other.open_handle(handle) is None
    flipped = handle[:-2] + ("A" if handle[-2] != "A" else "B") + handle[-1]
    assert ids.open_handle(flipped) is None
    assert ids.open_handle("h1_") is None
    assert ids.open_handle("h1_!!!") is None
