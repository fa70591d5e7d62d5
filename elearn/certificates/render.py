"""The certificate as a PDF: one landscape A4 page, in Vietnamese whatever the reader's language
(it is a document for the cooperative and its members), from what the certificate row keeps."""

from __future__ import annotations

from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _

from elearn.certificates.service import logo_bytes, spaced, verify_url
from elearn.i18n import format_day, local_date
from elearn.models import Certificate
from elearn.pdf import PdfDocument

QR_SIZE = 30


def certificate_pdf(certificate: Certificate) -> bytes:
    with force_locale("vi"):
        return _render(certificate)


def _render(certificate: Certificate) -> bytes:
    template = certificate.template or {}
    doc = PdfDocument(_("Certificate %(code)s", code=spaced(certificate.code)), landscape=True, site_header=False,
                      author=certificate.organisation)
    pdf = doc.pdf
    pdf.set_draw_color(30, 90, 60)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, pdf.w - 22, pdf.h - 22)
    logo = logo_bytes(certificate)
    pdf.set_y(18 if logo else 32)  # without a logo the text sits in the middle of the page
    if logo:
        doc.image(logo, 24)
        doc.space(2)
    doc.paragraph(certificate.organisation.upper(), size=13, align="C", bold=True)
    doc.space(4)
    doc.heading(template.get("title") or _("CERTIFICATE OF COMPLETION"), level=1, align="C")
    doc.paragraph(_("This certifies that"), size=12, align="C", grey=True)
    doc.space(1)
    pdf.set_text_color(20, 70, 45)
    doc.paragraph(certificate.learner_name, size=24, align="C", bold=True)
    pdf.set_text_color(0, 0, 0)
    doc.paragraph(template.get("text") or _("has completed the course"), size=12, align="C")
    doc.paragraph(certificate.course_title, size=17, align="C", bold=True)
    doc.space(2)
    facts = [_("Completed on %(day)s", day=format_day(certificate.completed_on))]
    if certificate.hours:
        facts.append(_("Duration: %(hours)s hours", hours=format_decimal(certificate.hours)))
    doc.paragraph(" · ".join(facts), size=12, align="C")
    bottom = pdf.h - 16 - QR_SIZE
    doc.qr(verify_url(certificate.code), QR_SIZE, x=18, y=bottom)
    pdf.set_xy(18 + QR_SIZE + 3, bottom + 8)
    pdf.set_font("DejaVuSans", "", 9)
    pdf.multi_cell(110, 4.5, _("Verification code: %(code)s", code=spaced(certificate.code)) + "\n"
                   + _("Check it at %(url)s", url=verify_url(certificate.code)))
    pdf.set_xy(pdf.w - 18 - 100, bottom + 4)
    pdf.set_font("DejaVuSans", "", 11)
    pdf.multi_cell(100, 5.5, _("Issued on %(day)s", day=format_day(local_date(certificate.issued_at))), align="C")
    if template.get("signatory"):
        pdf.set_x(pdf.w - 18 - 100)
        pdf.set_font("DejaVuSans", "B", 11)
        pdf.multi_cell(100, 5.5, template["signatory"], align="C")
    return doc.output()


def filename(certificate: Certificate) -> str:
    return f"chung-nhan-{certificate.code}.pdf"
