"""The docket as a PDF: a Jinja2 template (autoescaped) and its stylesheet, laid out by
WeasyPrint. WeasyPrint shapes text with Pango/HarfBuzz (Indic conjuncts and vowel signs come out
right) and embeds a subset of every font it uses, and its PDF keeps the text extractable."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from jinja2 import Environment, PackageLoader, select_autoescape

from .content import Docket


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("dockets", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def html(docket: Docket) -> str:
    return _environment().get_template("docket.html").render(d=docket)


@dataclass(frozen=True)
class Printed:
    body: bytes  # the PDF
    pages: int


def pdf(docket: Docket) -> Printed:
    from weasyprint import CSS, HTML  # imported here: it loads Pango, which the API may not need

    stylesheet = resources.files("dockets").joinpath("templates/docket.css").read_text("utf-8")
    document = HTML(string=html(docket)).render(stylesheets=[CSS(string=stylesheet)])
    body: bytes = document.write_pdf()
    return Printed(body, len(document.pages))
