"""Every phrase of every page exists in every language (translations are data)."""

from __future__ import annotations

import re
from importlib.resources import files

from web import i18n


def test_every_language_has_every_key_and_the_same_placeholders() -> None:
    english = i18n.catalogue("en")
    for lang in i18n.LANGUAGES:
        phrases = i18n.catalogue(lang)
        assert set(phrases) == set(english), lang
        for key, text in phrases.items():
            assert text.strip(), (lang, key)
            placeholders = set(re.findall(r"{(\w+)}", text))
            assert placeholders == set(re.findall(r"{(\w+)}", english[key])), (lang, key)


def test_every_key_a_template_names_exists() -> None:
    english = i18n.catalogue("en")
    root = files("web") / "templates"
    named: set[str] = set()
    for path in root.iterdir():
        paths = list(path.iterdir()) if path.is_dir() else [path]
        for template in paths:
            named |= set(re.findall(r"""t\(["']([\w.]+)["']""", template.read_text("utf-8")))
    assert named, "no phrase found: the pattern is wrong"
    named.discard("lang.")  # t("lang." + code), for each of i18n.LANGUAGES
    named.discard("alerts.kind.")  # t("alerts.kind." ~ kind), for each AlertKind: below
    assert named <= set(english), named - set(english)


def test_every_alert_kind_has_a_name() -> None:
    from api.schemas_alerts import AlertKind

    english = i18n.catalogue("en")
    assert {f"alerts.kind.{k.value}" for k in AlertKind} <= set(english)


def test_hindi_is_hindi() -> None:
    hindi = i18n.catalogue("hi")
    assert hindi["search.title"] != i18n.catalogue("en")["search.title"]
    assert re.search("[\u0900-\u097f]", hindi["search.title"])
