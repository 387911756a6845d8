"""Form fields for how officers type budget figures: 和暦/西暦 fiscal years and amounts with 全角 and units."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django import forms
from django.utils.translation import gettext_lazy as _

from commitments import fiscal, rules

T = TypeVar("T")

UNIT_CHOICES = [("千円", _("千円")), ("円", _("円")), ("百万円", _("百万円"))]


def check_yen(amount: int) -> int:
    """An amount in yen within the rules' cap (rules.MAX_YEN: a typo, or past what the database stores)."""
    error = rules.amount_error(amount)
    if error:
        raise forms.ValidationError(error)
    return amount


def validate_fiscal_date(value: datetime.date | None) -> None:
    """A date in a fiscal year the tracker can name (rules.date_error); 0001-01-01 or 2999-12-31 is a typo."""
    error = None if value is None else rules.date_error(value)
    if error:
        raise forms.ValidationError(error)


def parsed(parse: Callable[..., T], text: str, **options: Any) -> T:
    """A fiscal parser's result; its Japanese message, if it cannot read the text, becomes the field's error."""
    try:
        return parse(text, **options)
    except fiscal.FiscalParseError as exc:
        raise forms.ValidationError(str(exc)) from exc


class TypedField(forms.CharField):
    """A figure typed as text into a small input, with an example as its help."""

    input_attrs: ClassVar[dict[str, Any]] = {}
    example: ClassVar[Any] = None

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs=dict(self.input_attrs)))
        if self.example is not None:
            kwargs.setdefault("help_text", self.example)
        super().__init__(**kwargs)


class FiscalYearField(TypedField):
    """A fiscal year typed as 平成29年度, H29, 令和5年度 or 2017; cleaned to the int year."""

    input_attrs = {"maxlength": 30, "size": 14}
    example = _("例：平成29年度、H29、令和5年度、2017")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return fiscal.format_fiscal_year(value)
        return value

    def to_python(self, value: Any) -> int | None:
        text = super().to_python(value)
        return parsed(fiscal.parse_fiscal_year, text) if text else None


class YenField(TypedField):
    """An amount in a fixed unit (default 円), 全角 and `，` accepted; cleaned to positive int yen."""

    input_attrs = {"size": 16, "maxlength": 40, "style": "text-align:right"}

    def __init__(self, *, unit: str = "円", allow_zero: bool = False, **kwargs: Any) -> None:
        self.unit = unit
        self.allow_zero = allow_zero
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return fiscal.format_amount(value, unit=self.unit)
        return value

    def to_python(self, value: Any) -> int | None:
        text = super().to_python(value)
        if not text:
            return None
        return check_yen(self.signed(parsed(fiscal.parse_amount, text, unit=self.unit)))

    def signed(self, amount: int) -> int:
        """The amount if its sign is one this field takes: positive (or zero when allowed)."""
        if amount < 0 or (amount == 0 and not self.allow_zero):
            raise forms.ValidationError(_("正の金額を入力してください（△・▲は負数です）。"))
        return amount


_MONTH = re.compile(r"^(?P<year>.+?)\s*[-/.年]\s*(?P<month>\d{1,2})\s*月?(?:\s*[-/.]?\s*1\s*日?)?$")


class MonthField(TypedField):
    """A month typed as 2017-10, 2017/10, 2017年10月, 平成29年10月 or H29.10; cleaned to its first day."""

    input_attrs = {"maxlength": 20, "size": 12}
    example = _("例：2017-10、平成29年10月")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime.date):
            return f"{value.year}-{value.month:02d}"
        return value

    def to_python(self, value: Any) -> datetime.date | None:
        text = super().to_python(value)
        if not text:
            return None
        match = _MONTH.match(fiscal.normalize_text(text).strip())
        if not match or not 1 <= int(match["month"]) <= 12:
            raise forms.ValidationError(
                _("「%(text)s」を年月として読めません（例：2017-10、平成29年10月）。") % {"text": text}
            )
        year_text = match["year"]
        try:
            # An era year names a calendar year; read it as the 年度 of the same number (April of that year).
            year = int(year_text) if year_text.isdecimal() else fiscal.parse_fiscal_year(year_text + "年度")
        except fiscal.FiscalParseError as exc:
            raise forms.ValidationError(str(exc)) from exc
        except ValueError:  # a digit int() does not read
            year = 0
        if not rules.MIN_FISCAL_YEAR <= year <= rules.MAX_FISCAL_YEAR + 1:
            raise forms.ValidationError(
                _("「%(text)s」の年は%(min)d〜%(max)d年の範囲で入力してください。")
                % {"text": text, "min": rules.MIN_FISCAL_YEAR, "max": rules.MAX_FISCAL_YEAR + 1}
            )
        return datetime.date(year, int(match["month"]), 1)


class VersionedModelForm(forms.ModelForm):
    """A model form that refuses a save based on a stale page: someone saved the record after this form was opened.

    The page carries the version it showed (`expected_version`, hidden); the service checks again under the row lock;
    this check keeps the user's input on screen with the message.
    """

    expected_version = forms.IntegerField(label=_("読み込んだ版"), widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def check_version(self, data: dict[str, Any]) -> None:
        instance = self.instance
        expected = data.get("expected_version")
        if instance.pk and expected is not None and expected != instance.version:
            raise forms.ValidationError(
                _(
                    "他の利用者が先に更新しました（あなたが開いた版 %(mine)s、現在の版 %(now)s）。"
                    "この入力は保存されていません。ページを読み込み直して最新の内容を確認してから入力し直してください。"
                )
                % {"mine": expected, "now": instance.version},
                code="stale",
            )
