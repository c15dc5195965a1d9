"""Profile ids: issued by the server, opaque, stable, and a 404 for anything forged or altered."""

from __future__ import annotations

import base64
import os
import zlib
from pathlib import Path

import pytest

from federation.profile_ids import KEY_BYTES, PREFIX, ProfileIds, load_or_create_keys

MEMBERS = ["vahan:MH12AB1234#2", "cctns:MH-PS0412-2024-0123-A1", "sarathi:MH1420110062821"]


@pytest.fixture
def ids() -> ProfileIds:
    return ProfileIds([os.urandom(KEY_BYTES)])


def test_an_issued_id_opens_to_its_members_and_does_not_show_them(ids: ProfileIds) -> None:
    pid = ids.issue(MEMBERS)
    assert ids.open(pid) == sorted(MEMBERS)
    assert pid == ids.issue(reversed(MEMBERS)), "the same members, the same id"
    decoded = base64.urlsafe_b64decode(pid[len(PREFIX) :] + "==")
    assert b"cctns" not in decoded and b"vahan" not in decoded


def test_made_up_ids_do_not_open(ids: ProfileIds) -> None:
    plain = base64.urlsafe_b64encode(zlib.compress("\n".join(MEMBERS).encode())).decode()
    old_style = "p1_" + plain.rstrip("=")  # the former scheme: members deflated, in clear
    for forged in ("", "x", PREFIX, PREFIX + "AAAA", PREFIX + plain, old_style, PREFIX + "!!"):
        assert ids.open(forged) is None, forged


def test_an_altered_id_does_not_open(ids: ProfileIds) -> None:
    pid = ids.issue(MEMBERS)
    body = bytearray(base64.urlsafe_b64decode(pid[len(PREFIX) :] + "=="))
    for position in (0, len(body) // 2, len(body) - 1):
        altered = bytearray(body)
        altered[position] ^= 0x01
        token = base64.urlsafe_b64encode(bytes(altered)).rstrip(b"=").decode()
        assert ids.open(PREFIX + token) is None
    assert ids.open(pid[:-1]) is None and ids.open(pid + "A") is None


def test_another_servers_id_does_not_open(ids: ProfileIds) -> None:
    other = ProfileIds([os.urandom(KEY_BYTES)])
    assert ids.open(other.issue(MEMBERS)) is None


def test_ids_survive_a_key_rotation_while_the_old_key_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "profile-ids.key"
    before = ProfileIds.from_file(path)
    pid = before.issue(MEMBERS)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert ProfileIds.from_file(path).open(pid) == sorted(MEMBERS), "same file, same key"
    new_key = base64.b64encode(os.urandom(KEY_BYTES)).decode()
    path.write_text(new_key + "\n" + path.read_text())
    rotated = ProfileIds.from_file(path)
    assert rotated.open(pid) == sorted(MEMBERS)
    assert rotated.issue(MEMBERS) != pid, "new ids under the new key"
    path.write_text(new_key + "\n")
    assert ProfileIds.from_file(path).open(pid) is None, "a removed key opens nothing"


def test_a_bad_key_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text("# comment\nnot base64!\n")
    with pytest.raises(ValueError, match="line 2"):
        load_or_create_keys(path)
