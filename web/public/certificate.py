"""The NOC certificate as a PDF a citizen can print: the decision, the vehicle, the dates, the
reasons, a QR code that opens the verification page, and the signed certificate (JWS) itself,
so that anyone can verify it offline with the published keys.

fpdf2 writes the PDF (pure Python); segno makes the QR code, drawn as squares (no image).
"""

from __future__ import annotations

from typing import Any

import segno
from fpdf import FPDF

_MODULE_MM = 1.6


def _qr(pdf: FPDF, text: str, x: float, y: float) -> None:
    code = segno.make(text, error="m")
    for row, line in enumerate(code.matrix):
        for col, dark in enumerate(line):
            if dark:
                pdf.rect(x + col * _MODULE_MM, y + row * _MODULE_MM, _MODULE_MM, _MODULE_MM, "F")


def noc_pdf(noc: dict[str, Any], verify_url: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(f"Vehicle NOC {noc['noc_id']}")
    pdf.set_creator("icjs-search")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Vehicle No-Objection Certificate", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    vehicle = noc.get("vehicle", {})
    rows = [
        ("Certificate", noc["noc_id"]),
        ("Decision", str(noc["decision"])),
        ("Registration", str(vehicle.get("registration_no") or "")),
        ("Chassis (as given)", str(vehicle.get("chassis_no") or "")),
        ("Issued", str(noc["issued_at"])),
        ("Valid until", str(noc["expires_at"])),
    ]
    for label, value in rows:
        pdf.cell(45, 8, label)
        pdf.cell(0, 8, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 8, "Reasons", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for reason in noc.get("reasons", []):
        text = f"{reason['code']}: {reason['detail']}".encode("latin-1", "replace").decode()
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    top = pdf.get_y()
    _qr(pdf, verify_url, pdf.l_margin, top)
    pdf.set_xy(pdf.l_margin + 60, top)
    pdf.multi_cell(
        0, 6, f"Verify: scan the code or open {verify_url}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_y(top + 62)
    pdf.set_font("Courier", "", 6)
    pdf.multi_cell(0, 3, f"Signed certificate (JWS): {noc['certificate']}")
    return bytes(pdf.output())
