"""`KEYS_VERSION` moves with the keys: an index built with other keys must be told to rebuild.

If this fails after a change to parsing, phonetics or the variants table, the keys of existing
indexes no longer match what queries ask for: bump `matching.keys.KEYS_VERSION` and put the
digest this test prints under the new version (keep the old ones).
"""

import hashlib
import json

from matching.keys import KEYS_VERSION, inferred_keys, name_keys, year_keys

# One of each thing the keys depend on: scripts, titles, relations, aliases, initials, variant
# families, endings, compounds, apostrophes. Append only.
PROBES = [
    "Rajesh Kumar Sharma", "R. K. Sharma", "K. Murugan", "Murugan Kandasamy", "Mohd. Irfan",
    "MOHAMMED IRFAN KHAN", "मोहम्मद इरफ़ान", "Laxmi", "Lakshmi", "Chowdhury", "Srinivasa Rao",
    "Smt. Kamla Devi W/O Ram Prasad", "Raju @ Rajesh Kumar", "Gurpreet Kaur", "S. Gurpreet Singh",
    "Siddaramaiah", "ಸಿದ್ದರಾಮಯ್ಯ", "Rajendran", "Ganesan", "Ramkumar", "Ram Kumar",
    "Dnyaneshwar", "Pattanayak", "Anthony D'Souza", "Ramaswamy", "Abdur Rahman", "Rameshbhai",
    "Hansaben Patel", "রবীন্দ্রনাথ ঠাকুর", "ਗੁਰਪ੍ਰੀਤ ਸਿੰਘ", "முருகன்", "వెంకటేశ్వర్లు",
    "ରମେଶ", "રમેશ પટેલ", "രാജേന്ദ്രൻ", "Thiru. Selvi Subramaniam", "Late Shri V.V.S. Laxman",
]  # fmt: skip

# Beside each name, what an index also keys it by from version 3 on: the relative's name (the
# surname or initial a name takes from it), and a birth year.
RELATIVE = "Suresh Patil"
YEAR = 1985

DIGESTS = {
    1: "32626eee9d80577f",  # as of 9f5c73b; indexes from before versions were recorded
    2: "0cd6ccf55035944e",  # versions 1 and 2: `name_keys` of the probes alone
    3: "f6645abb409f7150",  # names, the forms they take from a relative, birth years
}


def _digest() -> str:
    keys = {
        name: [
            sorted(name_keys(name)),
            sorted(inferred_keys(name, RELATIVE)),
            sorted(inferred_keys(name, None)),
            sorted(year_keys(name_keys(name), YEAR, YEAR)),
        ]
        for name in [*PROBES, "RAJE5H", "K. Murugan S/O Kandasamy", "Ramesh"]
    }
    return hashlib.sha256(json.dumps(keys, sort_keys=True).encode()).hexdigest()[:16]


def test_keys_version_moves_with_the_keys() -> None:
    digest = _digest()
    assert DIGESTS.get(KEYS_VERSION) == digest, (
        f"name keys changed: bump matching.keys.KEYS_VERSION and record {digest!r} for it"
    )
