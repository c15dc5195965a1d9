"""Names in the script they were recorded in, beside their Latin form.

A record keeps the name as the source wrote it; an officer reading `मोहम्मद इरफ़ान` should see
it so, with a Latin reading beside it for colleagues who do not read Devanagari. The Latin form
comes from `matching` (the same transliteration the search uses).
"""

from __future__ import annotations

from matching.scripts import has_indic, to_latin


def name_forms(name: object) -> tuple[str, str | None]:
    """(the name as recorded, its Latin form when the recorded one is not Latin)."""
    text = str(name or "")
    if not text or not has_indic(text):
        return text, None
    latin = to_latin(text)
    return text, latin.title() if latin and latin != text else None
