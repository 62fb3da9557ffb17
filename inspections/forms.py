"""Forms of inspections, rectification orders and re-checks, checklists and responsibility
agreements. Each form only shapes what is typed; the rules live in inspections/services.py."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import GRANTS, Perm
from areas.forms import GridChoiceField, registry_places
from areas.kinds import PlaceKind
from areas.models import LocalUnit, Place
from inspections import services
from inspections.models import (
    Agreement,
    Checklist,
    ChecklistItem,
    ChecklistVersion,
    Inspection,
    Rectification,
    RoomCount,
)
from inspections.services import CountData
from people.models import Rental
from shequ.locking import VersionField
from shequ.widgets import DatePicker, FilesField, photo_input

NUMBER = forms.NumberInput(attrs={"inputmode": "numeric", "min": "0"})
COUNT_COLUMNS = [
    ("rooms", _("检查房间数")),
    ("positive", _("鼠迹阳性房间数")),
    ("unproofed", _("防鼠设施不合格房间数")),
]
YEARS = range(2000, 2101)


def colleagues(user: User, *, keep: list[int] = ()):
    """The accounts that may be named as inspectors: active, reading records, at the user's
    community or below it (a grid worker's colleagues sit at the community). `keep`: those an
    inspection already names, offered whatever became of them."""
    roles = [role for role, perms in GRANTS.items() if Perm.VIEW_RECORDS in perms]
    place = user.place
    if place is not None and place.kind == PlaceKind.GRID:
        place = place.parent
    users = User.objects.filter(is_active=True, role__in=roles)
    if place is not None:
        users = users.filter(place__path__startswith=place.path)
    if keep:
        users = User.objects.filter(Q(pk__in=users.values("pk")) | Q(pk__in=keep))
    return users.select_related("place").order_by("place__path", "name")


class InspectorField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: User) -> str:
        name = obj.name or obj.username
        return f"{name}（{obj.place.name}）" if obj.place_id else name


def checklists():
    """The checklists a new inspection can use: active, with a published version."""
    return (
        Checklist.objects.filter(active=True, versions__published_at__isnull=False)
        .distinct()
        .order_by("area", "name")
    )


class ChecklistChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Checklist) -> str:
        return obj.name


class StartForm(forms.Form):
    """Step 1 of a new inspection: which checklist, and what is inspected — a local unit or a
    dwelling found by name or address, or a site (a market's surroundings, a back street) with
    the community or grid it lies in."""

    checklist = ChecklistChoice(
        label=_("检查表"),
        queryset=Checklist.objects.none(),
        widget=forms.RadioSelect,
        required=False,
    )
    target = forms.RegexField(regex=r"^([ud]:\d+|site)$", required=False)
    q = forms.CharField(label=_("查找单位或房屋"), max_length=50, required=False)
    site = forms.CharField(label=_("场所名称"), max_length=100, required=False)
    place = GridChoiceField(
        label=_("所在社区/网格"), queryset=None, required=False, empty_label=_("请选择")
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checklist"].queryset = checklists()
        self.fields["place"].queryset = registry_places(user)

    def clean_q(self) -> str:
        return self.cleaned_data["q"].strip()

    def clean_site(self) -> str:
        return self.cleaned_data["site"].strip()


class InspectionForm(forms.Form):
    """An inspection: the day, one answer (and a short note) per item of the checklist
    version, the monitoring counts when the checklist asks for them, who inspected, and
    photos. A site's name and place are typed here; a unit or dwelling was chosen before."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    checklist_version = forms.IntegerField(widget=forms.HiddenInput)
    site = forms.CharField(label=_("场所名称"), max_length=100)
    place = GridChoiceField(label=_("所在社区/网格"), queryset=None)
    date = forms.DateField(label=_("检查日期"), widget=DatePicker())
    inspectors = InspectorField(label=_("检查人员"), queryset=None, required=False)
    other_inspectors = forms.CharField(
        label=_("其他检查人员"),
        max_length=100,
        required=False,
        help_text=_("非本系统账号的人员，如街道安监办、物业；多人用顿号分隔"),
    )
    notes = forms.CharField(
        label=_("检查情况"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    files = FilesField(label=_("现场照片"), required=False, widget=photo_input())

    def __init__(
        self,
        *args,
        user: User,
        checklist_version: ChecklistVersion,
        site: bool,
        editing: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.checklist_version = checklist_version
        self.items = list(checklist_version.items.all())
        self.counts = checklist_version.checklist.counts
        if site:
            kept = self.initial.get("place")
            places = registry_places(user)
            if kept:  # an inspection's own place stays offered after it was retired
                places = places | Place.objects.visible_to(user).filter(pk=kept)
            self.fields["place"].queryset = places.order_by("code")
        else:
            del self.fields["site"], self.fields["place"]
        if editing:
            self.fields["version"].required = True
            del self.fields["files"]  # photos are added and removed on the inspection's page
        else:
            del self.fields["version"]
        self.fields["inspectors"].queryset = colleagues(
            user, keep=[u.pk for u in self.initial.get("inspectors", [])]
        )
        for item in self.items:
            self.fields[f"a_{item.pk}"] = _answer_field(item)
            self.fields[f"n_{item.pk}"] = forms.CharField(
                label=_("问题描述"),
                max_length=200,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": _("问题描述（不合格时填写）")}),
            )
        if self.counts:
            for category in RoomCount.Category.values:
                for column, label in COUNT_COLUMNS:
                    self.fields[f"c_{category}_{column}"] = forms.IntegerField(
                        label=f"{category}{label}",
                        required=False,
                        min_value=0,
                        max_value=100_000,
                        widget=NUMBER,
                    )
            self.fields["outdoor_metres"] = forms.IntegerField(
                label=_("外环境检查长度（米）"),
                required=False,
                min_value=0,
                max_value=1_000_000,
                widget=NUMBER,
            )
            self.fields["burrows"] = forms.IntegerField(
                label=_("鼠洞数"), required=False, min_value=0, max_value=100_000, widget=NUMBER
            )

    def item_rows(self) -> list[tuple[ChecklistItem, forms.BoundField, forms.BoundField]]:
        """Each item with its answer and note, in the checklist's order."""
        return [(item, self[f"a_{item.pk}"], self[f"n_{item.pk}"]) for item in self.items]

    def count_rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (category, [self[f"c_{category}_{column}"] for column, _label in COUNT_COLUMNS])
            for category in RoomCount.Category.values
        ]

    def count_headers(self) -> list[str]:
        return [label for _column, label in COUNT_COLUMNS]

    def other_fields(self) -> list[forms.BoundField]:
        """The fields after the checklist: who inspected, what else was seen, photos."""
        names = ["inspectors", "other_inspectors", "notes", "files"]
        return [self[name] for name in names if name in self.fields]

    def hidden_errors(self) -> list[str]:
        return [e for field in self.hidden_fields() for e in field.errors]

    def answers(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data.get(f"a_{item.pk}") or "" for item in self.items}

    def answer_notes(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data.get(f"n_{item.pk}") or "" for item in self.items}

    def count_data(self) -> list[CountData]:
        if not self.counts:
            return []
        data = self.cleaned_data
        return [
            CountData(
                category,
                *(data.get(f"c_{category}_{column}") for column, _label in COUNT_COLUMNS),
            )
            for category in RoomCount.Category.values
        ]

    def mark_item(self, message: str) -> None:
        """A refusal that names an item ("“灭火器…”必须填写") shown beside that item too."""
        for item in self.items:
            if f"“{item.label}”" in message:
                name = f"a_{item.pk}"
                if not self.has_error(name):
                    self.add_error(name, message)
                return


def _answer_field(item: ChecklistItem) -> forms.Field:
    required = {"required": _("请填写“%(item)s”的检查结果") % {"item": item.label}}
    if item.kind in (ChecklistItem.Kind.YES_NO, ChecklistItem.Kind.CHOICE):
        return forms.ChoiceField(
            label=item.label,
            choices=[(c, c) for c in item.choice_list()],
            widget=forms.RadioSelect,
            required=item.required,
            error_messages={
                **required,
                "invalid_choice": _("请从给出的选项中选择"),
            },
        )
    if item.kind == ChecklistItem.Kind.NUMBER:
        label = f"{item.label}（{item.unit}）" if item.unit else item.label
        return forms.CharField(
            label=label,
            max_length=20,
            required=item.required,
            error_messages=required,
            widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "min": "0"}),
        )
    return forms.CharField(
        label=item.label, max_length=200, required=item.required, error_messages=required
    )


class RectificationForm(forms.Form):
    """整改通知: what was found, what must be done, who must do it and by when."""

    item = forms.IntegerField(widget=forms.HiddenInput, required=False)
    finding = forms.CharField(label=_("存在问题"), max_length=200)
    requirement = forms.CharField(
        label=_("整改要求"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    responsible = forms.CharField(label=_("整改责任单位/责任人"), max_length=100)
    issued_on = forms.DateField(label=_("下达日期"), widget=DatePicker())
    deadline = forms.DateField(label=_("整改期限"), widget=DatePicker())


class RecheckForm(forms.Form):
    """复查: the day, whether it was put right, what was seen; a new deadline when not."""

    def recheck_data(self):
        """The valid form as the service takes it (the page and the API alike)."""
        from inspections.services import RecheckData

        data = self.cleaned_data
        return RecheckData(
            date=data["date"],
            passed=data["passed"],
            note=data["note"],
            new_deadline=None if data["passed"] else data["new_deadline"],
        )

    version = forms.IntegerField(widget=forms.HiddenInput)
    date = forms.DateField(label=_("复查日期"), widget=DatePicker())
    passed = forms.TypedChoiceField(
        label=_("是否已整改到位"),
        choices=[("1", _("已整改到位")), ("0", _("未整改到位"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择是否已整改到位")},
    )
    note = forms.CharField(
        label=_("复查情况"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    new_deadline = forms.DateField(
        label=_("新的整改期限"),
        required=False,
        widget=DatePicker(),
        help_text=_("未整改到位时填写"),
    )
    files = FilesField(label=_("复查照片"), required=False, widget=photo_input())


class PhotoForm(forms.Form):
    files = FilesField(label=_("照片"), required=False, widget=photo_input())


# --- Filters of the two lists --------------------------------------------------------------


class PlaceFilterField(forms.ModelChoiceField):
    """The places under the user's own: sub-districts, communities and grids, indented."""

    def label_from_instance(self, obj: Place) -> str:
        return self.label_for(obj.kind, obj.name)

    @staticmethod
    def label_for(kind: str, name: str) -> str:
        indent = {PlaceKind.COMMUNITY: 1, PlaceKind.GRID: 2}.get(kind, 0)
        return f"{'　' * indent}{name}"

    def option_pairs(self):
        if self.empty_label is not None:
            yield "", self.empty_label
        for pk, kind, name in self.queryset.values_list("pk", "kind", "name"):
            yield pk, self.label_for(kind, name)


def places_in_scope(user: User):
    """The user's own place and the sub-districts, communities and grids under it."""
    kinds = [PlaceKind.SUBDISTRICT, PlaceKind.COMMUNITY, PlaceKind.GRID]
    places = Place.objects.visible_to(user).filter(Q(kind__in=kinds) | Q(pk=user.place_id))
    return places.order_by("code")


class PeriodFilterForm(forms.Form):
    """A year, a month, or a range of days; and a place under the user's."""

    year = forms.TypedChoiceField(label=_("年度"), required=False, coerce=int, empty_value=None)
    month = forms.DateField(
        label=_("月份"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": _("月份应写作“年-月”，如 2026-11")},
    )
    start = forms.DateField(
        label=_("自"),
        required=False,
        widget=DatePicker(),
        error_messages={"invalid": _("日期应写作“年-月-日”，如 2026-11-05")},
    )
    end = forms.DateField(
        label=_("至"),
        required=False,
        widget=DatePicker(),
        error_messages={"invalid": _("日期应写作“年-月-日”，如 2026-11-05")},
    )
    place = PlaceFilterField(
        label=_("区划"), queryset=None, required=False, empty_label=_("全部区划")
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [("", _("全部"))] + [
            (y, _("%(y)s年") % {"y": y}) for y in range(this_year, this_year - 6, -1)
        ]
        self.fields["place"].queryset = places_in_scope(user)

    def clean_month(self) -> datetime.date | None:
        month = self.cleaned_data["month"]
        if month is not None and month.year not in YEARS:
            raise forms.ValidationError(_("月份应在2000年至2100年之间"))
        return month

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("截止日期不能早于起始日期"))
            data.pop("end", None)
        return data

    def period(self, queryset, field: str):
        """`queryset` within the chosen year, month and range of `field`."""
        data = self.cleaned_data
        if month := data.get("month"):
            following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
            queryset = queryset.filter(**{f"{field}__gte": month, f"{field}__lt": following})
        elif year := data.get("year"):
            queryset = queryset.filter(
                **{
                    f"{field}__gte": datetime.date(year, 1, 1),
                    f"{field}__lt": datetime.date(year + 1, 1, 1),
                }
            )
        if start := data.get("start"):
            queryset = queryset.filter(**{f"{field}__gte": start})
        if end := data.get("end"):
            queryset = queryset.filter(**{f"{field}__lte": end})
        if place := data.get("place"):
            if data.get("own_level"):
                queryset = queryset.filter(place_path=place.path)
            else:
                queryset = queryset.filter(place_path__under=place.path)
        return queryset


class InspectionFilterForm(PeriodFilterForm):
    area = forms.ChoiceField(
        label=_("检查领域"), required=False, choices=[("", _("全部")), *Checklist.Area.choices]
    )
    result = forms.ChoiceField(
        label=_("检查结果"),
        required=False,
        choices=[("", _("全部")), *Inspection.Result.choices],
    )
    q = forms.CharField(label=_("检查对象"), max_length=50, required=False)

    field_order = ["q", "area", "result", "year", "month", "start", "end", "place"]


class RectificationFilterForm(PeriodFilterForm):
    OPEN, OVERDUE, CLOSED = Rectification.State  # the states each order answers with

    state = forms.ChoiceField(
        label=_("整改状态"), required=False, choices=[("", _("全部")), *Rectification.State.choices]
    )
    inspector = forms.ModelChoiceField(
        label=_("检查人员"), queryset=None, required=False, empty_label=_("全部")
    )

    own_level = forms.BooleanField(label=_("仅本级"), required=False)

    field_order = ["state", "inspector", "year", "month", "start", "end", "place", "own_level"]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["inspector"].queryset = inspectors_in_scope(user)
        self.fields["inspector"].label_from_instance = lambda u: u.name or u.username


def inspectors_in_scope(user: User):
    """Everyone named on an inspection the user can see (closed accounts too)."""
    named = Inspection.inspectors.through.objects.filter(
        inspection__in=Inspection.objects.visible_to(user)
    )
    return User.objects.filter(pk__in=named.values("user")).order_by("name")


# --- Checklists and responsibility agreements (checklist_views.py, agreement_views.py) -------


class ChecklistForm(forms.Form):
    """A checklist's name and settings; its items are edited in a draft version."""

    name = forms.CharField(label=_("检查表名称"), max_length=40)
    area = forms.ChoiceField(label=_("检查领域"), choices=Checklist.Area.choices)
    counts = forms.BooleanField(
        label=_("填写病媒生物监测数"),
        required=False,
        help_text=Checklist._meta.get_field("counts").help_text,
    )
    description = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    active = forms.BooleanField(
        label=_("启用"),
        required=False,
        help_text=_("停用后新的检查不能再选这张表，已做的检查不受影响"),
    )

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["active"]
        if "version" in self.initial:  # editing: the page carries the version it showed
            self.fields["version"] = VersionField()


class ItemForm(forms.Form):
    """One question of a draft checklist."""

    label = forms.CharField(label=_("检查项目"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=ChecklistItem.Kind.choices)
    choices = forms.CharField(
        label=_("可选值"),
        max_length=200,
        required=False,
        help_text=_("类型为“选项”时填写，用顿号或逗号分隔，如：良好、一般、较差"),
    )
    failing = forms.CharField(
        label=_("不合格的回答"),
        max_length=200,
        required=False,
        help_text=_("是/否题填“是”或“否”；选项题填不合格的选项，用顿号分隔；数字、文字题不填"),
    )
    unit = forms.CharField(
        label=_("单位"),
        max_length=10,
        required=False,
        help_text=_("类型为“数字”时填写，如：具、人"),
    )
    required = forms.BooleanField(label=_("必答"), required=False, initial=True)
    needs_rectification = forms.BooleanField(
        label=_("不合格须整改"),
        required=False,
        help_text=_("勾选后，检查中该项不合格时可下达整改通知"),
    )

    @classmethod
    def initial_for(cls, item: ChecklistItem) -> dict:
        initial = {name: getattr(item, name) for name in cls.base_fields}
        initial["version"] = item.revision  # the item's edits, not the checklist's version
        return initial

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.initial:  # editing: the page carries the revision it showed
            self.fields["version"] = VersionField()

    def item_data(self) -> services.ItemData:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        return services.ItemData(**data)


class PlaceField(GridChoiceField):
    """Any place in the user's scope, indented by level."""

    def label_from_instance(self, obj: Place) -> str:
        return f"{'　' * max(obj.depth - 1, 0)}{obj.name}"

    def option_pairs(self):
        if self.empty_label is not None:
            yield "", self.empty_label
        for pk, name, path in self.queryset.values_list("pk", "name", "path"):
            yield pk, f"{'　' * max(path.count('/') - 2, 0)}{name}"


def scope_places(user: User):
    return (
        Place.objects.visible_to(user).active().order_by("code").only("id", "kind", "name", "path")
    )


class AgreementFilterForm(forms.Form):
    STATES = [("", _("全部")), ("in_force", _("有效")), ("expired", _("已过期"))]

    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部")), *Agreement.Kind.choices]
    )
    state = forms.ChoiceField(label=_("有效期"), required=False, choices=STATES)
    place = PlaceField(label=_("区划"), queryset=None, required=False, empty_label=_("全部"))
    q = forms.CharField(label=_("签订方或签字人"), required=False, max_length=50)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = scope_places(user)


class AgreementForm(forms.Form):
    """A signed 责任书/承诺书. The party (a local unit or a rental) is chosen on the page and
    travels as a hidden id, looked up again within the user's place."""

    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    rental = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("类型"), choices=Agreement.Kind.choices)
    signed_on = forms.DateField(label=_("签订日期"), widget=DatePicker())
    starts_on = forms.DateField(
        label=_("有效期自"),
        required=False,
        widget=DatePicker(),
        help_text=_("不填则自签订日期起"),
    )
    ends_on = forms.DateField(
        label=_("有效期至"), required=False, widget=DatePicker(), help_text=_("长期有效的不填")
    )
    signer = forms.CharField(label=_("签字人"), max_length=50, required=False)
    notes = forms.CharField(
        label=_("备注"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    scan = forms.FileField(
        label=_("扫描件"),
        required=False,
        help_text=_("签字盖章页的照片或 PDF 文件"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,.pdf"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.initial:  # editing: the page carries the version it showed
            self.fields["version"] = VersionField()
        self.user = user
        self.party_unit: LocalUnit | None = None
        self.party_rental: Rental | None = None
        # The party shown on the page, also before the form is sent.
        source = self.data if self.is_bound else self.initial
        self._find_party(source.get("unit"), source.get("rental"))

    def _find_party(self, unit, rental) -> None:
        if unit and str(unit).isdigit():
            self.party_unit = (
                LocalUnit.objects.visible_to(self.user)
                .select_related("place")
                .filter(pk=int(unit))
                .first()
            )
        if rental and str(rental).isdigit():
            self.party_rental = (
                Rental.objects.visible_to(self.user)
                .select_related("dwelling", "place")
                .filter(pk=int(rental))
                .first()
            )

    def clean(self):
        data = super().clean()
        if data.get("unit") and self.party_unit is None:
            raise forms.ValidationError(_("本辖区没有该单位"))
        if data.get("rental") and self.party_rental is None:
            raise forms.ValidationError(_("本辖区没有该出租房屋登记"))
        return data

    def agreement_data(self) -> services.AgreementData:
        data = self.cleaned_data
        return services.AgreementData(
            kind=data["kind"],
            signed_on=data["signed_on"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            unit=self.party_unit,
            rental=self.party_rental,
            signer=data["signer"],
            notes=data["notes"],
        )


class CoverageForm(forms.Form):
    """签订情况: which kind of agreement, in which place."""

    kind = forms.ChoiceField(label=_("类型"), choices=Agreement.Kind.choices)
    place = PlaceField(label=_("区划"), queryset=None, empty_label=None)
    unit_kind = forms.ChoiceField(
        label=_("单位类型"),
        required=False,
        choices=[("", _("全部")), *LocalUnit.Kind.choices],
        help_text=_("出租房屋治安责任书按在租的出租房屋统计，不分单位类型"),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = scope_places(user)
