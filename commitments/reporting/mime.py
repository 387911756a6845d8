"""The report as a message: multipart/mixed( alternative( text, related( html, chart ) ), attachments… )."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.mime.image import MIMEImage
from email.utils import formatdate, make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart

CHART_CID = "exposure-chart"


@dataclass
class Attachment:
    """One attached file."""

    filename: str
    content: bytes
    mimetype: str


@dataclass
class BuiltReport:
    """Everything one e-mail needs; `totals` is stored on the delivery as the next report's baseline."""

    subject: str
    text: str
    html: str
    recipients: list[str]
    chart_png: bytes | None
    attachments: list[Attachment] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    def email(self, *, connection: Any = None) -> ReportEmail:
        """The multipart message: text, HTML with the chart inline (CID), then the attachments."""
        message = ReportEmail(
            subject=self.subject,
            body=self.text,
            to=self.recipients,
            connection=connection,
            # Fixed here so the stored copy and the sent message carry the same identity.
            headers={"Message-ID": make_msgid(domain="jlis-commitments"), "Date": formatdate(localtime=True)},
        )
        message.attach_alternative(self.html, "text/html")
        if self.chart_png:
            message.inline_images.append((CHART_CID, self.chart_png))
        for attachment in self.attachments:
            message.attach(attachment.filename, attachment.content, attachment.mimetype)
        return message


class ReportEmail(EmailMultiAlternatives):
    """multipart/mixed( alternative( text, related( html, images ) ), attachments… )."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inline_images: list[tuple[str, bytes]] = []

    def _create_alternatives(self, msg: Any) -> Any:
        if not self.inline_images:
            return super()._create_alternatives(msg)
        encoding = self.encoding or settings.DEFAULT_CHARSET
        alternative = SafeMIMEMultipart(_subtype="alternative", encoding=encoding)
        alternative.attach(msg)
        related = SafeMIMEMultipart(_subtype="related", encoding=encoding)
        for item in self.alternatives:
            related.attach(self._create_mime_attachment(item.content, item.mimetype))
        for cid, png in self.inline_images:
            image = MIMEImage(png, "png")
            image.add_header("Content-ID", f"<{cid}>")
            image.add_header("Content-Disposition", "inline", filename=f"{cid}.png")
            related.attach(image)
        alternative.attach(related)
        return alternative
