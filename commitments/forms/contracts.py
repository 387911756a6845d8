"""Contract, schedule and payment entry; each form asks the service's checks so errors show beside the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from commitments import fiscal
from commitments.forms.fields import FiscalYearField, VersionCheckMixin, YenField, check_yen, validate_fiscal_date
from commitments.forms.uploads import MB, check_csv
from commitments.models import Commitment, Contract, Installment, Organization, Payment, PaymentTerms
from commitments.models.scoping import chooses_organization
from commitments.services.contracts import ContractFieldError, contract_check, schedule_check
from commitments.services.errors import ServiceError
from commitments.services.payment_reversals import payment_reverse_check, reversible_rest
from commitments.services.payments import PaymentRefusedError, payment_check


class ContractForm(VersionCheckMixin, forms.ModelForm):
    """A contract under an approved commitment; amount in 円 (contracts are to the yen). A change (変更契約) needs
    its reason."""

    amount_yen = YenField(label=_("契約金額（円）"), help_text=_("円単位。全角・カンマ可"))
    expected_version = forms.IntegerField(label=_("読み込んだ版"), widget=forms.HiddenInput, required=False)
    change_reason = forms.CharField(
        label=_("変更理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("変更契約の理由（例：仕様変更による減額）。変更の記録に残ります。"),
    )

    class Meta:
        model = Contract
        fields = [
            "commitment",
            "contract_no",
            "counterparty",
            "signed_on",
            "start_on",
            "end_on",
            "amount_yen",
            "payment_terms",
            "note",
            "expected_version",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warnings: list[str] = []
        for name in ("signed_on", "start_on", "end_on"):
            if name in self.fields:
                self.fields[name].validators.append(validate_fiscal_date)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
            if "change_reason" in self.fields:
                self.fields["change_reason"].required = True
        else:
            self.fields.pop("change_reason", None)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self.check_version(data)
        commitment: Commitment | None = data.get("commitment") or getattr(self.instance, "commitment", None)
        needed = ("contract_no", "counterparty", "signed_on", "start_on", "end_on", "amount_yen", "payment_terms")
        if commitment is None or any(data.get(name) in (None, "") for name in needed):
            return data
        values = {name: data[name] for name in needed} | {"note": data.get("note", "")}
        try:
            _rows, self.warnings = contract_check(
                commitment=commitment,
                values=values,
                contract=self.instance if self.instance.pk else None,
                check_schedule=data["payment_terms"] != PaymentTerms.EXPLICIT,
            )
        except ContractFieldError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, str(exc.message))
        except ServiceError as exc:
            raise forms.ValidationError(str(exc.message)) from exc
        return data


class ContractCancelForm(forms.Form):
    """契約解除: why, and on which day (today when left blank)."""

    reason = forms.CharField(label=_("解除理由"), widget=forms.Textarea(attrs={"rows": 3}))
    cancelled_on = forms.DateField(
        label=_("解除日"), required=False, help_text=_("空欄なら今日。未来の日付や契約締結日より前の日付は不可")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cancelled_on"].validators.append(validate_fiscal_date)


class InstallmentForm(forms.ModelForm):
    """One explicit scheduled payment."""

    amount_yen = YenField(label=_("支払予定額（円）"), allow_zero=True)

    class Meta:
        model = Installment
        fields = ["due_on", "amount_yen"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "due_on" in self.fields:  # absent on a read-only page
            self.fields["due_on"].validators.append(validate_fiscal_date)


class InstallmentFormSet(BaseInlineFormSet):
    """An explicit schedule is checked as a whole: inside the burden span, summing to the contract amount."""

    def clean(self) -> None:
        super().clean()
        contract: Contract = self.instance
        if contract.payment_terms != PaymentTerms.EXPLICIT or any(form.errors for form in self.forms):
            return
        rows = [
            (form.cleaned_data["due_on"], form.cleaned_data["amount_yen"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            schedule_check(contract.commitment, contract, rows)
        except ServiceError as exc:
            raise forms.ValidationError(str(exc.message)) from exc


class PaymentAmountField(YenField):
    """支出額 as typed, its sign kept: payment_check says beside the field that a correction is a 戻入・取消."""

    def to_python(self, value: Any) -> int | None:
        text = forms.CharField.to_python(self, value)
        if not text:
            return None
        try:
            amount = fiscal.parse_amount(text, unit=self.unit)
        except fiscal.FiscalParseError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return check_yen(amount)


class PaymentForm(forms.ModelForm):
    """A payment (支出実績) against a contract; the fiscal year defaults to the payment date's."""

    amount_yen = PaymentAmountField(label=_("支出額（円）"))
    fiscal_year = FiscalYearField(
        label=_("会計年度"),
        required=False,
        help_text=_("空欄なら支出日の年度。4・5月の支出は前年度（出納整理期間）も可"),
    )

    class Meta:
        model = Payment
        fields = ["contract", "paid_on", "fiscal_year", "amount_yen", "reference"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.already_recorded: Payment | None = None
        if "paid_on" in self.fields:  # absent on a read-only page
            self.fields["paid_on"].validators.append(validate_fiscal_date)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        contract: Contract | None = data.get("contract")
        if contract is None or data.get("paid_on") is None or data.get("amount_yen") is None:
            return data
        try:
            decision = payment_check(
                commitment=contract.commitment,
                contract=contract,
                paid_on=data["paid_on"],
                amount_yen=data["amount_yen"],
                fiscal_year=data.get("fiscal_year"),
                reference=data.get("reference") or "",
            )
        except PaymentRefusedError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, str(exc.message))
            return data
        except ServiceError as exc:
            raise forms.ValidationError(str(exc.message)) from exc
        data["fiscal_year"] = decision.fiscal_year
        self.already_recorded = decision.recorded
        return data


PAYMENT_CSV_MAX_BYTES = 10 * MB  # about 100,000 rows; a year's payments of a large body fit well within it


class PaymentUploadForm(forms.Form):
    """A CSV of payments: 支出日, 契約番号, 支出額, 支出命令番号[, 会計年度]; the organization is the user's own
    (a user who sees every organization, a system administrator, chooses it)."""

    organization = forms.ModelChoiceField(label=_("団体"), queryset=Organization.objects.none(), required=True)
    file = forms.FileField(
        label=_("CSV ファイル"), help_text=_("見出し行：支出日,契約番号,支出額,支出命令番号（UTF-8 または Shift_JIS）")
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None and chooses_organization(user):
            self.fields["organization"].queryset = Organization.objects.for_user(user).order_by("name")
        else:
            del self.fields["organization"]

    def clean_file(self) -> Any:
        return check_csv(self.cleaned_data["file"], max_bytes=PAYMENT_CSV_MAX_BYTES)

    def organization_for(self, user: Any) -> Organization:
        """The organization the payments belong to."""
        return self.cleaned_data["organization"] if "organization" in self.fields else user.organization


class PaymentReverseForm(forms.Form):
    """戻入・取消 of a payment: how much (the rest not yet reversed by default), why, and on which day."""

    amount_yen = YenField(label=_("戻入・取消の額（円）"), help_text=_("正の金額で入力（記録では負の額になります）"))
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))
    reversed_on = forms.DateField(
        label=_("戻入・取消の日"),
        required=False,
        help_text=_("空欄なら今日。未来の日付や支出日より前の日付は不可"),
    )
    reference = forms.CharField(label=_("支出命令番号等"), max_length=100, required=False)

    def __init__(self, *args: Any, payment: Payment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.payment = payment
        self.fields["amount_yen"].initial = reversible_rest(payment)
        self.fields["reversed_on"].validators.append(validate_fiscal_date)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("amount_yen") is None or not data.get("reason"):
            return data
        try:
            payment_reverse_check(
                payment=self.payment,
                amount_yen=data["amount_yen"],
                reason=data["reason"],
                reversed_on=data.get("reversed_on"),
                reference=data.get("reference") or "",
            )
        except PaymentRefusedError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, str(exc.message))
        return data
