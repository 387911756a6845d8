"""Amendment (補正) entry: only what changes is filled in; the service's check runs before saving."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from commitments import fiscal
from commitments.forms.fields import UNIT_CHOICES, FiscalYearField, VersionCheckMixin, YenField, check_yen
from commitments.models import Amendment, Commitment
from commitments.services.amendments import PROPOSAL_FIELDS, amendment_check
from commitments.services.errors import ServiceError


def parse_planned_lines(text: str, unit: str) -> dict[int, int]:
    """Read 年割額 typed one year per line, e.g. `令和8年度 1,200` (amounts in `unit`)."""
    planned: dict[int, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = fiscal.normalize_text(line).strip()
        if not line:
            continue
        parts = line.replace("\t", " ").replace(":", " ").split()
        if len(parts) != 2:
            raise forms.ValidationError(_("%(n)d 行目：「年度 金額」の形で入力してください。") % {"n": number})
        try:
            planned[fiscal.parse_fiscal_year(parts[0])] = check_yen(fiscal.parse_amount(parts[1], unit=unit))
        except fiscal.FiscalParseError as exc:
            raise forms.ValidationError(f"{number}: {exc}") from exc
        except forms.ValidationError as exc:
            raise forms.ValidationError(f"{number} 行目：{exc.messages[0]}") from exc
    return planned


class AmendmentForm(VersionCheckMixin, forms.ModelForm):
    """Proposed changes to an approved commitment; blank fields stay as they are."""

    new_limit_amount = forms.CharField(label=_("変更後の限度額"), required=False, max_length=40)
    limit_unit = forms.ChoiceField(label=_("単位"), choices=UNIT_CHOICES, initial="千円")
    new_estimated_limit_yen = YenField(label=_("変更後の見込額（円）"), required=False)
    new_first_burden_fy = FiscalYearField(label=_("変更後の負担年度（初年度）"), required=False)
    new_last_burden_fy = FiscalYearField(label=_("変更後の負担年度（最終年度）"), required=False)
    new_contract_until_fy = FiscalYearField(label=_("契約締結期限の延長（年度）"), required=False)
    planned_lines = forms.CharField(
        label=_("変更後の年割額"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 30}),
        help_text=_("個別入力の場合のみ。1行に「年度 金額」（単位は上の選択）例：令和8年度 1,200"),
    )
    expected_version = forms.IntegerField(label=_("読み込んだ版"), widget=forms.HiddenInput, required=False)

    class Meta:
        model = Amendment
        fields = [
            "commitment",
            "reason",
            "abolish",
            "new_matter",
            "new_limit_amount",
            "limit_unit",
            "new_limit_text",
            "new_estimated_limit_yen",
            "new_first_burden_fy",
            "new_last_burden_fy",
            "new_contract_until_fy",
            "planned_lines",
            "expected_version",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._describe_current()
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
            if self.instance.new_limit_yen is not None and not self.is_bound:
                self.initial["new_limit_amount"] = fiscal.format_amount(self.instance.new_limit_yen, unit="円")
                self.initial["limit_unit"] = "円"
            if self.instance.new_planned and not self.is_bound:
                self.initial["planned_lines"] = "\n".join(
                    f"{fiscal.format_fiscal_year(int(fy))} {fiscal.format_amount(int(v), unit='円')}"
                    for fy, v in sorted(self.instance.new_planned.items(), key=lambda kv: int(kv[0]))
                )
                self.initial["limit_unit"] = "円"

    def _describe_current(self) -> None:
        """Show the commitment's current values under its field, so the officer sees what is being changed."""
        field = self.fields.get("commitment")
        pk = self.initial.get("commitment") or getattr(self.instance, "commitment_id", None)
        if field is None or not pk:
            return
        # Looked up among the field's choices, which the admin scopes to the user's organizations (models.scoping):
        # the id of another organization's commitment in the URL (?commitment=) shows nothing.
        try:
            current = field.to_python(pk)
        except forms.ValidationError:
            return
        if current is None:
            return
        limit = (
            f"{fiscal.format_amount(current.limit_yen)}千円" if current.limit_yen is not None else current.limit_text
        )
        field.help_text = _("現在：限度額 %(limit)s、負担年度 %(span)s、契約締結期限 %(until)s") % {
            "limit": limit,
            "span": fiscal.format_span(current.first_burden_fy, current.last_burden_fy),
            "until": fiscal.format_fiscal_year(current.contract_deadline_fy),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.check_version(data)
        unit = data.get("limit_unit") or "千円"
        raw = (data.get("new_limit_amount") or "").strip()
        data["new_limit_yen"] = None
        if raw:
            try:
                data["new_limit_yen"] = check_yen(fiscal.parse_amount(raw, unit=unit))
            except fiscal.FiscalParseError as exc:
                self.add_error("new_limit_amount", str(exc))
                return data
            except forms.ValidationError as exc:
                self.add_error("new_limit_amount", exc)
                return data
        try:
            data["new_planned"] = {
                str(fy): v for fy, v in parse_planned_lines(data.get("planned_lines") or "", unit).items()
            }
        except forms.ValidationError as exc:
            self.add_error("planned_lines", exc)
            return data
        commitment: Commitment | None = data.get("commitment") or getattr(self.instance, "commitment", None)
        if commitment is None or self.errors:
            return data
        try:
            amendment_check(commitment, self.proposal())
        except ServiceError as exc:
            raise forms.ValidationError(str(exc.message)) from exc
        return data

    def proposal(self) -> dict[str, Any]:
        """The cleaned proposal, as the amendment services take it."""
        data = self.cleaned_data
        proposal = {name: data.get(name) for name in PROPOSAL_FIELDS}
        proposal["new_matter"] = proposal.get("new_matter") or ""
        proposal["new_limit_text"] = proposal.get("new_limit_text") or ""
        proposal["abolish"] = bool(proposal.get("abolish"))
        proposal["new_planned"] = proposal.get("new_planned") or {}
        return proposal
