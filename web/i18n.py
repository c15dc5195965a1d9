"""English and Hindi for every page, as data (`web/locales/<lang>.toml`, one key per phrase).

The language comes from `?lang=` (remembered in a cookie), else that cookie, else the browser's
`Accept-Language`, else English. Every key of the English file must exist in every other file
(a test holds it), so no page shows a key or falls back silently.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files

from starlette.requests import Request

LANGUAGES = ("en", "hi")
DEFAULT = "en"
LANG_COOKIE = "icjs_lang"


@cache
def catalogue(lang: str) -> dict[str, str]:
    text = (files("web") / "locales" / f"{lang}.toml").read_text(encoding="utf-8")
    return {str(k): str(v) for k, v in tomllib.loads(text).items()}


def pick(request: Request) -> tuple[str, bool]:
    """The page's language, and whether it was chosen now (to remember in the cookie)."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked), True
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in LANGUAGES:
        return str(remembered), False
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code, False
    return DEFAULT, False


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._phrases = catalogue(lang)

    def __call__(self, key: str, **values: object) -> str:
        phrase = self._phrases.get(key) or catalogue(DEFAULT)[key]
        return phrase.format(**values) if values else phrase
