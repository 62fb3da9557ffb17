from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from areas.forms import GridChoiceField
from areas.models import Place
from people.ledgers import Span
from shequ.widgets import DatePicker


class PlaceField(GridChoiceField):
    def label_from_instance(self, obj: Place) -> str:
        return f"{'　' * max(obj.depth - 1, 0)}{obj.name}"

    def option_pairs(self):
        if self.empty_label is not None:
            yield "", self.empty_label
        for obj in self.queryset:
            yield obj.pk, self.label_from_instance(obj)


class PeriodForm(forms.Form):
    """Which place and which period the figures are for: a year, or any span of days."""

    place = PlaceField(label=_("区划"), queryset=None, empty_label=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    start = forms.DateField(label=_("自"), required=False, widget=DatePicker())
    end = forms.DateField(label=_("至"), required=False, widget=DatePicker())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = (
            Place.objects.visible_to(user).active().order_by("code").only("id", "name", "path")
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start or end:
            if not (start and end):
                raise forms.ValidationError(_("请同时填写起止日期，或只选年度"))
            if end < start:
                raise forms.ValidationError(_("结束日期不能早于开始日期"))
            if (end - start).days > 366 * 5:
                raise forms.ValidationError(_("统计期间最长5年"))
        return data

    def span(self) -> Span:
        data = self.cleaned_data
        if data.get("start") and data.get("end"):
            return Span(data["start"], data["end"])
        today = timezone.localdate()
        year = data.get("year") or today.year
        # A year not over yet runs to today, as the summary's does: figures as of a day still
        # to come (orders overdue on 31 December) would count what has not happened.
        return Span(datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), today))


class SummaryPeriodForm(PeriodForm):
    """The summary's place and period, and optionally one department's work over the place."""

    department = forms.ChoiceField(label=_("部门"), required=False)

    def __init__(self, *args, **kwargs):
        from reports.subjects import DEPARTMENTS

        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [
            ("", _("全部工作")),
            *[(d.code, d.office) for d in DEPARTMENTS],
        ]


class WorkerPeriodForm(PeriodForm):
    """A personal summary's period: its place is the worker's own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["place"]


def year_before(span: Span) -> Span:
    """The same days one year earlier (28 February for a 29th)."""

    def back(day: datetime.date) -> datetime.date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:
            return day.replace(year=day.year - 1, day=28)

    return Span(back(span.start), back(span.end))


class SummaryTextsForm(forms.Form):
    """存在的不足 and 下一步工作计划 as the head edits them before generating the .docx."""

    shortcomings = forms.CharField(
        label=_("存在的不足"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一条。已根据记录写入初稿，可修改、补充后再生成。"),
    )
    plans = forms.CharField(
        label=_("下一步工作计划"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("每行一条。"),
    )


class TemplateUploadForm(forms.Form):
    place = PlaceField(label=_("适用区划"), queryset=None, empty_label=None)
    name = forms.CharField(label=_("模板名称"), max_length=60, required=False)
    file = forms.FileField(label=_("Word模板（.docx）"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = (
            Place.objects.visible_to(user)
            .active()
            .exclude(kind="grid")
            .order_by("code")
            .only("id", "name", "path", "kind")
        )
        if user.place_id:
            self.fields["place"].initial = user.place_id
