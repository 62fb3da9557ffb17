"""The rates a case list shows over what it lists: 结案率, 满意率, 按期办结率, 调解成功率. The
indicator engine (reports) will declare the same figures; until then they are read here, in one
aggregate query."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cases.flows import FAIRLY_SATISFIED, SATISFIED


@dataclass(frozen=True)
class Rate:
    label: str
    numerator: int
    denominator: int
    explains: str  # what is counted over what, shown beside the figure

    @property
    def percent(self) -> str:
        if not self.denominator:
            return "—"
        return f"{100 * self.numerator / self.denominator:.1f}%"


def rates(cases: QuerySet) -> tuple[int, list[Rate]]:
    """How many cases there are, and the rates over them."""
    n = cases.aggregate(
        total=Count("id"),
        closed=Count("id", filter=Q(closed_at__isnull=False)),
        rated=Count("id", filter=~Q(rating="")),
        satisfied=Count("id", filter=Q(rating__in=[SATISFIED, FAIRLY_SATISFIED])),
        timed=Count("id", filter=Q(done_at__isnull=False, due__isnull=False)),
        on_time=Count("id", filter=Q(done_at__isnull=False, done_at__date__lte=F("due"))),
        mediated=Count("id", filter=Q(agreed__isnull=False)),
        agreed=Count("id", filter=Q(agreed=True)),
    )
    shown = [
        Rate(_("结案率"), n["closed"], n["total"], _("已结案 / 全部")),
        Rate(_("满意率"), n["satisfied"], n["rated"], _("满意和基本满意 / 已回访")),
        Rate(_("按期办结率"), n["on_time"], n["timed"], _("期限内办结 / 已办结")),
        Rate(_("调解成功率"), n["agreed"], n["mediated"], _("达成协议 / 调解有结果")),
    ]
    return n["total"], [r for r in shown if r.denominator or r.label == _("结案率")]
