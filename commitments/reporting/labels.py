"""The words of the report e-mail that are not the pages' (msgids in Japanese; English from the catalogue).

The bases and units are `commitments.vocabulary`'s; the kinds' admin labels are `ReportKind`'s. Here: the kind as a
sentence names it, the short headings of the exceptions digest, the cadences and the baselines' descriptions.
"""

from __future__ import annotations

import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy

from commitments.models import ReportKind

# As a sentence names the report: 「令和8年4月の年度別・事業区分別 負担額の概要をお知らせします」 / "April 2026 report:
# exposure by fiscal year and segment".
KIND_PHRASES: dict[str, Promise] = {
    ReportKind.EXPOSURE_SUMMARY: pgettext_lazy("report kind in a sentence", "年度別・事業区分別 負担額の概要"),
    ReportKind.CHOUSHO: pgettext_lazy("report kind in a sentence", "調書（予算年度）"),
    ReportKind.EXCEPTIONS: pgettext_lazy("report kind in a sentence", "要確認事項の一覧"),
    ReportKind.EXPOSURE_MATRIX: pgettext_lazy("report kind in a sentence", "年度別負担額（全件）"),
}
# The digest's heading of each exceptions section: in Japanese the page's (the selector's titles), in English a
# shorter one naming the window.
_SECTION_TITLES: dict[str, Promise] = {
    "near_limit": pgettext_lazy("exceptions digest", "契約額が限度額の%(percent)s%%以上"),
    "lapsing": pgettext_lazy("exceptions digest", "%(days)s日以内に失効する未契約の権限"),
    "contracts_ending": pgettext_lazy("exceptions digest", "%(days)s日以内に契約期間が終わる契約"),
    "text_limits": pgettext_lazy("exceptions digest", "限度額が文言のもの"),
    "stale": pgettext_lazy("exceptions digest", "推計が未更新のもの"),
}
CADENCES: dict[str, Promise] = {
    "monthly": pgettext_lazy("report cadence", "月次"),
    "weekly": pgettext_lazy("report cadence", "週次"),
    "daily": pgettext_lazy("report cadence", "日次"),
}


def section_title(key: str, fallback: str, *, days: int, percent: int) -> str:
    """The digest's heading of a section; the selector's title for a section it does not know."""
    title = _SECTION_TITLES.get(key)
    return fallback if title is None else str(title) % {"days": days, "percent": percent}


def previous_report_label(period_key: str, sent: datetime.date | None) -> str:
    """前回の報告（2026-04、2026-04-01 送信） / the previous report (2026-04, sent 2026-04-01)."""
    return gettext("前回の報告（%(period)s、%(sent)s 送信）") % {
        "period": period_key,
        "sent": sent.isoformat() if sent else "?",
    }


def snapshot_label(taken: datetime.date) -> str:
    """2026-03-31 時点の夜間集計 / the nightly snapshot of 2026-03-31."""
    return gettext("%(day)s 時点の夜間集計") % {"day": taken.isoformat()}
