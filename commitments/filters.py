"""django-filter filter sets of the auditor site."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from commitments.models import Commitment, Segment


class ExposureFilter(django_filters.FilterSet):
    """Filter the exposure table by segment and words of the matter."""

    segment = django_filters.ModelChoiceFilter(
        queryset=Segment.objects.none(), label=_("事業区分"), empty_label=_("すべて")
    )
    matter = django_filters.CharFilter(lookup_expr="icontains", label=_("事項"))

    class Meta:
        model = Commitment
        fields = ["segment", "matter"]

    def __init__(self, *args: object, segments: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if segments is not None:
            self.filters["segment"].queryset = segments
