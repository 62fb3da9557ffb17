"""Campaign and honour screens: the campaigns of one's place with their funnels, a campaign's
page (criteria, funnel chart, applicants and the stage actions), applying for an eligible
household or unit, the eligible who have not applied; the honours received, with their scans."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Perm, has_perm
from accounts.scope import get_for_user, require
from areas.kinds import PlaceKind
from areas.models import LocalUnit
from areas.paging import place_page
from people import queries
from people.models import Household, Residence, Resident
from programs import services
from programs.forms import (
    STEP_FORMS,
    ApplyForm,
    AwardForm,
    CampaignFilterForm,
    CampaignForm,
    HonourFilterForm,
    HonourForm,
    ReviewForm,
    ShortlistForm,
    campaign_places,
)
from programs.models import Application, Campaign, Honour
from programs.queries import filter_campaigns
from shequ import files, locking
from shequ.errors import DomainError, add_to_form

PAGE_SIZE = 50
# The funnel chart's geometry, in the SVG's own units: labels left of BAR_X, bars up to BAR
# long, one step per ROW.
BAR_X, BAR, ROW = 48, 92, 12
STAGES = Application.Stage
WITHDRAWN = "撤回"  # the list's filter for withdrawn applications, beside the stages


# --- Campaigns ----------------------------------------------------------------------------------


def _state(campaign: Campaign, today) -> tuple[str, str]:
    """The campaign's state as a label and its tag's style."""
    if campaign.starts_on > today:
        return _("未开始"), "off"
    if campaign.ends_on < today:
        return _("已结束"), "off"
    return _("申报中"), "ok"


@login_required
@require_http_methods(["GET"])
def campaign_list(request: HttpRequest) -> HttpResponse:
    """评选活动 of the user's place by year, state and place, each with its funnel."""
    require(request.user, Perm.VIEW_RECORDS)
    filters = CampaignFilterForm(request.GET, user=request.user)
    filters.is_valid()
    chosen = filters.cleaned_data
    today = timezone.localdate()
    campaigns = filter_campaigns(Campaign.objects.visible_to(request.user), chosen, today)
    page = Paginator(campaigns.select_related("place"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    funnels = services.funnels(rows)
    for campaign in rows:
        campaign.funnel = funnels[campaign.pk]
        campaign.state_label, campaign.state_tag = _state(campaign, today)
    return render(
        request,
        "programs/campaign_list.html",
        {
            "rows": rows,
            "page": page,
            "filters": filters,
            "can_start": _may_start(request.user),
        },
    )


def _may_start(user) -> bool:
    """Whether the user may start a campaign: one who records, over a community or
    sub-district of their place."""
    return has_perm(user, Perm.EDIT_RECORDS) and campaign_places(user).exists()


def _get_campaign(request: HttpRequest, pk: int, *, edit: bool = False) -> Campaign:
    return get_for_user(
        Campaign.objects.select_related("place"),
        request.user,
        pk=pk,
        perm=Perm.EDIT_RECORDS if edit else None,
    )


def _campaign_form_page(request, form, *, title: str, back: str, current_place=None, status=200):
    return render(
        request,
        "programs/campaign_form.html",
        {"form": form, "title": title, "back": back, "current_place": current_place},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _may_start(user):
        raise PermissionDenied  # a grid worker's place runs no campaign: no place to offer
    today = timezone.localdate()
    initial = {
        "subject": Campaign.Subject.HOUSEHOLD,
        "rule": Campaign.Rule.MANUAL,
        "starts_on": today,
    }
    if user.place_id and user.place.kind in (PlaceKind.COMMUNITY, PlaceKind.SUBDISTRICT):
        initial["place"] = user.place_id
    form = CampaignForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.create_campaign(form.campaign_data(), by=user)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已发起“%(name)s”") % {"name": campaign.name})
            return redirect("programs:campaign-detail", pk=campaign.pk)
    return _campaign_form_page(
        request, form, title=_("发起评选活动"), back=reverse("programs:campaign-list")
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _get_campaign(request, pk, edit=True)
    form = CampaignForm(
        request.POST or None, user=request.user, initial=CampaignForm.initial_from(campaign)
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_campaign(
                campaign,
                form.campaign_data(),
                by=request.user,
                version=form.cleaned_data["version"],
            )
        except locking.StaleEdit as exc:
            locking.show_stale(form, campaign, exc)
            status = 409
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("已保存修改"))
            return redirect("programs:campaign-detail", pk=campaign.pk)
    return _campaign_form_page(
        request,
        form,
        title=_("修改 %(name)s") % {"name": campaign.name},
        back=reverse("programs:campaign-detail", args=[campaign.pk]),
        current_place=campaign.place,
        status=status,
    )


def rule_text(campaign: Campaign) -> str:
    """The screening rule in words, as the campaign page and its criteria state it."""
    if campaign.rule != Campaign.Rule.THRESHOLD:
        return _("人工评审，逐户（逐单位）写明理由")
    items = {key: (label, unit) for key, label, unit in campaign.field_list()}
    label, unit = items.get(campaign.rule_field, (campaign.rule_field, ""))
    if campaign.rule_per_member:
        label = _("人均%(what)s") % {"what": label}
        unit = f"{unit}/{_('人')}" if unit else ""
    word = _("不高于") if campaign.rule_op == "<=" else _("不低于")
    return _("按申报数据自动初审：%(label)s%(word)s%(value)s%(unit)s为通过") % {
        "label": label,
        "word": word,
        "value": _plain(campaign.rule_value),
        "unit": unit,
    }


def _plain(number: Decimal | None) -> str:
    if number is None:
        return ""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def funnel_steps(funnel: services.Funnel, subject: str) -> list[dict]:
    """The funnel's steps for the chart: each with its count, its share of the eligible and
    the bar's length on a 0–100 scale."""
    whom = _("户") if subject == Campaign.Subject.HOUSEHOLD else _("家")
    steps = [
        (_("参评范围"), funnel.eligible),
        (_("申报"), funnel.applied),
        (_("初审通过"), funnel.passed),
        (_("入围"), funnel.shortlisted),
        (_("授牌"), funnel.awarded),
        (_("发证书/牌匾"), funnel.certificates),
    ]
    top = max(funnel.eligible, funnel.applied, 1)
    shown = []
    for i, (label, n) in enumerate(steps):
        length = round(n * BAR / top, 1)
        shown.append(
            {
                "label": label,
                "n": n,
                "unit": whom,
                "length": max(length, 0.5) if n else 0,
                "text_x": BAR_X + length + 2,
                "share": _percent(n, funnel.eligible) if i else "",
                "y": i * ROW,
            }
        )
    return shown


def _percent(n: int, of: int) -> str:
    if not of:
        return "—"
    return f"{(Decimal(n * 100) / of).quantize(Decimal('0.1'))}%"


def _row_values(campaign: Campaign, application: Application) -> list[tuple[str, str]]:
    """The reported figures in the campaign's order, each with its column's label; with a
    per-member rule, its figure per member beside it."""
    shown = []
    for key, label, unit in campaign.field_list():
        value = application.values.get(key, "")
        text = _plain(Decimal(value)) if value else "—"
        if (
            campaign.rule == Campaign.Rule.THRESHOLD
            and campaign.rule_per_member
            and key == campaign.rule_field
            and value
            and application.members
        ):
            each = (Decimal(value) / application.members).quantize(Decimal("0.01"))
            text += _("（人均%(n)s）") % {"n": _plain(each)}
        shown.append((f"{label}（{unit}）" if unit else label, text))
    return shown


@login_required
@require_http_methods(["GET"])
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _get_campaign(request, pk))


def _detail(request: HttpRequest, campaign: Campaign, refused=None) -> HttpResponse:
    """The campaign page. With `refused`, that applicant's action form comes back open with
    what was typed and why it was refused; a refused action the applicant's stage does not
    offer (a stale page) is told on top."""
    user = request.user
    can_edit = has_perm(user, Perm.EDIT_RECORDS)
    today = timezone.localdate()
    query = request.POST if refused is not None else request.GET
    stage = query.get("stage", "")
    if stage not in [*STAGES.values, WITHDRAWN]:
        stage = ""
    live = campaign.live_applications()
    by_stage = dict(live.order_by().values_list("stage").annotate(n=Count("id")))
    withdrawn = campaign.applications.filter(voided_at__isnull=False)
    applications = (withdrawn if stage == WITHDRAWN else live).select_related(
        "household__dwelling", "unit", "voided_by", "reviewed_by", "shortlisted_by"
    )
    if stage and stage != WITHDRAWN:
        applications = applications.filter(stage=stage)
    page = Paginator(applications.order_by("applied_on", "pk"), PAGE_SIZE).get_page(
        query.get("page")
    )
    rows = list(page.object_list)
    if refused is not None and refused.application.pk not in {a.pk for a in rows}:
        rows.insert(0, refused.application)
    for application in rows:
        application.shown_values = _row_values(campaign, application)
        application.form = None
        if not can_edit or application.voided_at:
            continue
        if refused is not None and refused.application.pk == application.pk:
            if isinstance(refused, STEP_FORMS.get(application.stage, ())):
                application.form = refused
                continue
            for errors in refused.errors.values():
                for error in errors:
                    messages.error(
                        request,
                        f"{application.applicant_name} · {refused.label}：{error}",
                    )
        form_class = STEP_FORMS.get(application.stage)
        if form_class is not None:
            application.form = form_class(application=application, campaign=campaign)
    funnel = services.funnel(campaign)
    steps = funnel_steps(funnel, campaign.subject)
    state_label, state_tag = _state(campaign, today)
    # Shown again after a refused action, the page's address is the action's (POST only): its
    # links name the campaign page itself, with the stage that was being looked at.
    detail_url = reverse("programs:campaign-detail", args=[campaign.pk])
    pager_query = QueryDict(mutable=True)
    if stage:
        pager_query["stage"] = stage
    return render(
        request,
        "programs/campaign_detail.html",
        {
            "campaign": campaign,
            "current_place": campaign.place,
            "state_label": state_label,
            "state_tag": state_tag,
            "rule": rule_text(campaign),
            "items": campaign.field_list(),
            "filters": campaign.filter_values(),
            "funnel": funnel,
            "steps": steps,
            "chart_height": len(steps) * ROW,
            "bar_x": BAR_X,
            "coverage": funnel.coverage,
            "rows": rows,
            "page": page,
            "detail_url": detail_url,
            "pager_base": detail_url,
            "pager_query": pager_query,
            "stage": stage,
            "stages": [(s.value, s.label, by_stage.get(s.value, 0)) for s in STAGES],
            "withdrawn": withdrawn.count(),
            "withdrawn_stage": WITHDRAWN,
            "waiting": by_stage.get(STAGES.APPLIED, 0),
            "household": campaign.subject == Campaign.Subject.HOUSEHOLD,
            "can_edit": can_edit,
            "can_screen": can_edit
            and campaign.rule == Campaign.Rule.THRESHOLD
            and by_stage.get(STAGES.APPLIED, 0) > 0,
        },
    )


def _eligible_for(campaign: Campaign, user):
    """The eligible population the user sees, less those who applied (and did not withdraw):
    those who could apply today (or on the last day, once the campaign is over)."""
    model = Household if campaign.subject == Campaign.Subject.HOUSEHOLD else LocalUnit
    applied = campaign.live_applications().values(campaign.subject)
    day = min(timezone.localdate(), campaign.ends_on)
    return (
        model.objects.visible_to(user)
        .filter(pk__in=services.eligible(campaign, day).values("pk"))
        .exclude(pk__in=applied)
    )


def _search(campaign: Campaign, candidates, q: str):
    """Households by number, address or the name (pinyin initials, ID number…) of someone
    living there; units by name or address."""
    if not q:
        return candidates
    if campaign.subject == Campaign.Subject.UNIT:
        return candidates.filter(Q(name__contains=q) | Q(address__contains=q))
    living = Residence.objects.current().filter(
        resident__in=queries.search(Resident.objects.all(), q).values("pk")
    )
    return candidates.filter(
        Q(number__contains=q)
        | Q(dwelling__address__contains=q)
        | Q(pk__in=living.values("household_id"))
    )


@login_required
@require_http_methods(["GET"])
def campaign_eligible(request: HttpRequest, pk: int) -> HttpResponse:
    """参评范围内尚未申报的家庭（单位）: whom to visit next, each a click from applying."""
    campaign = _get_campaign(request, pk)
    q = request.GET.get("q", "").strip()[:50]
    candidates = _search(campaign, _eligible_for(campaign, request.user), q)
    household = campaign.subject == Campaign.Subject.HOUSEHOLD
    related = ("head", "dwelling", "place") if household else ("place",)
    page = place_page(candidates.select_related(*related), request)
    counts = {}
    if household:
        counts = dict(
            Residence.objects.current()
            .filter(household__in=page.rows)
            .values_list("household")
            .annotate(n=Count("id"))
            .order_by()
        )
    for row in page.rows:
        row.members = counts.get(row.pk, 0)
    return render(
        request,
        "programs/campaign_eligible.html",
        {
            "campaign": campaign,
            "current_place": campaign.place,
            "rows": page.rows,
            "more": page.more,
            "query": page.query,
            "is_first_page": page.is_first,
            "q": q,
            "household": household,
            "funnel": services.funnel(campaign),
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


def _applicant(request: HttpRequest, campaign: Campaign, pk) -> Household | LocalUnit:
    """The household or unit to apply for, within the user's place (else 404)."""
    if campaign.subject == Campaign.Subject.HOUSEHOLD:
        return get_for_user(
            Household.objects.select_related("head", "dwelling"), request.user, pk=pk
        )
    return get_for_user(LocalUnit.objects.select_related("place"), request.user, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """申报 for the household or unit chosen among the eligible: the day and the figures."""
    campaign = _get_campaign(request, pk, edit=True)
    chosen = request.POST.get("applicant") or request.GET.get("applicant", "")
    if not str(chosen).isdigit():
        return redirect("programs:campaign-eligible", pk=campaign.pk)
    applicant = _applicant(request, campaign, int(chosen))
    form = ApplyForm(request.POST or None, campaign=campaign, initial={"applicant": applicant.pk})
    if request.method == "POST" and form.is_valid():
        subject = {campaign.subject: applicant}
        try:
            services.apply(
                campaign,
                values=form.values(),
                applied_on=form.cleaned_data["applied_on"],
                by=request.user,
                **subject,
            )
        except DomainError as exc:
            # The applicant is fixed on this page: a refusal about it goes on top.
            if exc.field == "applicant":
                exc.field = None
            add_to_form(form, exc)
        else:
            messages.success(request, _("已登记“%(who)s”的申报") % {"who": applicant})
            back = reverse("programs:campaign-eligible", args=[campaign.pk])
            return redirect(back)
    members = None
    if campaign.subject == Campaign.Subject.HOUSEHOLD:
        members = Residence.objects.on(form.fields["applied_on"].initial).filter(
            household=applicant
        )
        members = list(members.select_related("resident").order_by("pk"))
    return render(
        request,
        "programs/campaign_apply.html",
        {
            "campaign": campaign,
            "current_place": campaign.place,
            "applicant": applicant,
            "members": members,
            "form": form,
            "household": campaign.subject == Campaign.Subject.HOUSEHOLD,
        },
    )


def _application(request: HttpRequest, pk: int) -> Application:
    """An application whose campaign the user may change (404 outside their place)."""
    application = Application.objects.select_related("household__dwelling", "unit").filter(pk=pk)
    application = application.first()
    if application is None:
        raise Http404
    application.campaign = _get_campaign(request, application.campaign_id, edit=True)
    return application


def _after_step(request: HttpRequest, campaign: Campaign, message: str) -> HttpResponse:
    messages.success(request, message)
    url = reverse("programs:campaign-detail", args=[campaign.pk])
    stage = request.POST.get("stage", "")
    query = f"?{urlencode({'stage': stage})}" if stage in STAGES.values else ""
    return redirect(f"{url}{query}#applicants")


def _step(request: HttpRequest, pk: int, form_class, act) -> HttpResponse:
    application = _application(request, pk)
    campaign = application.campaign
    form = form_class(request.POST, application=application, campaign=campaign)
    if not form.is_valid():
        return _detail(request, campaign, refused=form)
    try:
        message = act(campaign, application, form.cleaned_data)
    except DomainError as exc:
        add_to_form(form, exc)
        return _detail(request, campaign, refused=form)
    return _after_step(request, campaign, message)


@login_required
@require_POST
def application_review(request: HttpRequest, pk: int) -> HttpResponse:
    """初审: the reviewer's decision with a reason, or the campaign's rule."""

    def act(campaign, application, data):
        done = services.review(
            application,
            passed=data["passed"],
            reason=data["reason"],
            day=data["day"],
            by=request.user,
        )
        return _("“%(who)s”%(stage)s") % {
            "who": done.applicant_name,
            "stage": done.get_stage_display(),
        }

    return _step(request, pk, ReviewForm, act)


@login_required
@require_POST
def application_shortlist(request: HttpRequest, pk: int) -> HttpResponse:
    """入围 or 未入围, after passing the first review."""

    def act(campaign, application, data):
        done = services.shortlist(
            application,
            shortlisted=data["shortlisted"],
            reason=data["reason"],
            day=data["day"],
            by=request.user,
        )
        return _("“%(who)s”%(stage)s") % {
            "who": done.applicant_name,
            "stage": done.get_stage_display(),
        }

    return _step(request, pk, ShortlistForm, act)


@login_required
@require_POST
def application_award(request: HttpRequest, pk: int) -> HttpResponse:
    """授牌 to a shortlisted applicant, with or without a certificate handed over."""

    def act(campaign, application, data):
        done = services.award(
            campaign,
            application=application,
            day=data["day"],
            certificate=data["certificate"],
            by=request.user,
        )
        return _("已为“%(who)s”授牌") % {"who": done.applicant_name}

    return _step(request, pk, AwardForm, act)


@login_required
@require_POST
def campaign_screen(request: HttpRequest, pk: int) -> HttpResponse:
    """按规则初审: the campaign's threshold rule on every application still waiting."""
    campaign = _get_campaign(request, pk, edit=True)
    try:
        n = services.screen_all(campaign, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已按规则初审%(n)s份申报") % {"n": n})
    return redirect(reverse("programs:campaign-detail", args=[campaign.pk]) + "#applicants")


# --- Honours ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def honour_list(request: HttpRequest) -> HttpResponse:
    """荣誉 received in the user's place, by year, level and recipient."""
    require(request.user, Perm.VIEW_RECORDS)
    filters = HonourFilterForm(request.GET)
    filters.is_valid()
    chosen = filters.cleaned_data
    honours = Honour.objects.visible_to(request.user)
    if year := chosen.get("year"):
        honours = honours.filter(date__year=year)
    if level := chosen.get("level"):
        honours = honours.filter(level=level)
    if recipient := chosen.get("recipient"):
        honours = honours.filter(recipient=recipient)
    by_level = dict(honours.order_by().values_list("level").annotate(n=Count("id")))
    page = Paginator(honours.select_related("place", "unit", "staff"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "programs/honour_list.html",
        {
            "rows": page.object_list,
            "page": page,
            "filters": filters,
            "total": sum(by_level.values()),
            "by_level": [(label, by_level.get(value, 0)) for value, label in Honour.Level.choices],
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


def _get_honour(request: HttpRequest, pk: int, *, edit: bool = False) -> Honour:
    return get_for_user(
        Honour.objects.select_related("place", "unit", "staff", "created_by"),
        request.user,
        pk=pk,
        perm=Perm.EDIT_RECORDS if edit else None,
    )


def _scan(form: HonourForm) -> files.Upload | None:
    uploaded = form.cleaned_data.get("scan")
    if not uploaded:
        return None
    is_pdf = (uploaded.name or "").lower().endswith(".pdf")
    return files.Upload.read(uploaded, files.DOCUMENT if is_pdf else files.PHOTO)


def _honour_error(form: HonourForm, exc: DomainError) -> None:
    if exc.field == "files":  # the scan's own check names the generic upload field
        exc.field = "scan"
    add_to_form(form, exc)


def _honour_form_page(request, form, *, title: str, back: str, current_place=None, status=200):
    return render(
        request,
        "programs/honour_form.html",
        {"form": form, "title": title, "back": back, "current_place": current_place},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def honour_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.EDIT_RECORDS)
    user = request.user
    initial = {"recipient": Honour.Recipient.PLACE, "date": timezone.localdate()}
    if user.place_id and user.place.kind in (PlaceKind.COMMUNITY, PlaceKind.SUBDISTRICT):
        initial["place"] = user.place_id
    form = HonourForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            honour = services.record_honour(form.honour_data(), by=user, scan=_scan(form))
        except DomainError as exc:
            _honour_error(form, exc)
        else:
            messages.success(request, _("已登记“%(title)s”") % {"title": honour.title})
            return redirect("programs:honour-detail", pk=honour.pk)
    return _honour_form_page(
        request, form, title=_("登记荣誉"), back=reverse("programs:honour-list")
    )


@login_required
@require_http_methods(["GET", "POST"])
def honour_edit(request: HttpRequest, pk: int) -> HttpResponse:
    honour = _get_honour(request, pk, edit=True)
    initial = {name: getattr(honour, name) for name in services.HONOUR_FIELDS}
    initial["place"] = honour.place_id if honour.recipient == Honour.Recipient.PLACE else None
    initial["version"] = honour.version
    form = HonourForm(
        request.POST or None, request.FILES or None, user=request.user, honour=honour,
        initial=initial,
    )  # fmt: skip
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_honour(
                honour, form.honour_data(), by=request.user, scan=_scan(form),
                version=form.cleaned_data["version"],
            )  # fmt: skip
        except locking.StaleEdit as exc:
            locking.show_stale(form, honour, exc)
            status = 409
        except DomainError as exc:
            _honour_error(form, exc)
        else:
            messages.success(request, _("已保存修改"))
            return redirect("programs:honour-detail", pk=honour.pk)
    return _honour_form_page(
        request,
        form,
        title=_("修改 %(title)s") % {"title": honour.title},
        back=reverse("programs:honour-detail", args=[honour.pk]),
        current_place=honour.place,
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def honour_detail(request: HttpRequest, pk: int) -> HttpResponse:
    honour = _get_honour(request, pk)
    return render(
        request,
        "programs/honour_detail.html",
        {
            "honour": honour,
            "current_place": honour.place,
            "scan_is_photo": honour.scan_content_type.startswith("image/"),
            "can_edit": has_perm(request.user, Perm.EDIT_RECORDS),
        },
    )


@login_required
@require_http_methods(["GET"])
def honour_scan(request: HttpRequest, pk: int, preview: bool = False) -> HttpResponse:
    """The honour's certificate photo or scan, only to those who see the honour."""
    honour = _get_honour(request, pk)
    if not honour.scan_stored_as:
        raise Http404
    return files.serve(
        honour.scan_stored_as,
        name=honour.scan_name,
        content_type=honour.scan_content_type,
        photo=honour.scan_content_type.startswith("image/"),
        preview=preview,
    )
