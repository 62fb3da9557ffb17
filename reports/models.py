"""What the reports app stores: the Word templates offices upload for their year-end summary,
and a snapshot of every summary generated (its figures, the file, who, when)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.scope import ScopedQuerySet
from areas.fields import PlacePathField
from areas.models import Placed


class SummaryTemplate(Placed):
    """An office's own .docx template for the summary. Places under it use the nearest one up
    the tree (the newest at that place); retired templates stay, as snapshots name them."""

    name = models.CharField(_("模板名称"), max_length=60)
    file_name = models.CharField(_("文件名"), max_length=100)
    stored_as = models.CharField(_("存储名"), max_length=64, unique=True)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("总结模板")
        verbose_name_plural = _("总结模板")
        ordering = ["place_path", "-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.name


class SummarySnapshot(Placed):
    """One generated summary, as it was handed out: the figures it printed (JSON), the file
    (kept byte for byte under a generated name, its SHA-256 beside it), the template, who and
    when — so it can be checked later against the records."""

    class Via(models.TextChoices):
        WEB = "web", _("网页")
        CLI = "cli", _("命令行")

    class Subject(models.TextChoices):
        PLACE = "place", _("社区/街道")
        DEPARTMENT = "department", _("部门")
        WORKER = "worker", _("个人")

    subject = models.CharField(
        _("总结对象"), max_length=10, choices=Subject.choices, default=Subject.PLACE
    )
    department = models.CharField(_("部门"), max_length=20, blank=True)  # reports/subjects.py
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("个人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )  # a personal summary's worker
    title = models.CharField(_("标题"), max_length=120)
    year = models.PositiveSmallIntegerField(_("年度"))
    start = models.DateField(_("统计起始日"))
    end = models.DateField(_("统计截止日"))
    template = models.ForeignKey(
        SummaryTemplate,
        verbose_name=_("使用模板"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="snapshots",
    )  # None: the default template
    template_name = models.CharField(_("模板名称"), max_length=60)
    figures = models.JSONField(_("统计数字"))
    stored_as = models.CharField(_("存储名"), max_length=64, unique=True)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    via = models.CharField(_("生成方式"), max_length=3, choices=Via.choices, default=Via.WEB)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta(Placed.Meta):
        verbose_name = _("工作总结存档")
        verbose_name_plural = _("工作总结存档")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["place_path", "created_at"], name="summary_snapshot_path"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def file_name(self) -> str:
        return f"{self.title}.docx"


class RollupCell(models.Model):
    """One rolled-up figure: an additive indicator's value over the rows of one leaf place
    (the place path the rows carry) in one month, and how many records it rests on. Built by
    `shequ rollup rebuild` (reports/rollups.py); read by the engine for the months a
    `RollupCoverage` row vouches for and no `RollupStale` mark spoils."""

    place_path = PlacePathField(_("区划路径"))
    month = models.DateField(_("月份"))  # its first day
    indicator = models.CharField(_("指标"), max_length=40)
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=2)
    rows = models.PositiveIntegerField(_("记录数"))

    class Meta:
        verbose_name = _("汇总数")
        verbose_name_plural = _("汇总数")
        # Covering: a place's cells are summed from the index alone.
        indexes = [
            models.Index(
                fields=["place_path", "month", "indicator", "value", "rows"],
                name="rollup_cell_path",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place_path} {self.month:%Y-%m} {self.indicator}"


class RollupCoverage(models.Model):
    """The cells under `place_path` for `month` were built from every row there (a rebuild of
    that place and year), so they may stand for the rows wherever no stale mark says a row of
    that month has changed since. `first_day` and `last_day` bound the days of those rows, so
    a period that ends mid-month (a year up to today) may still read the month from the cells
    when no row of it lies beyond the period."""

    place_path = PlacePathField(_("区划路径"))
    month = models.DateField(_("月份"))
    first_day = models.DateField(_("最早记录日期"), null=True, blank=True)
    last_day = models.DateField(_("最晚记录日期"), null=True, blank=True)
    built_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("汇总范围")
        verbose_name_plural = _("汇总范围")
        indexes = [models.Index(fields=["place_path", "month"], name="rollup_coverage_path")]

    def __str__(self) -> str:
        return f"{self.place_path} {self.month:%Y-%m}"


class RollupStale(models.Model):
    """A row of this leaf place and month was written after the cells were built: the engine
    reads that month from the raw rows until the next rebuild. One mark per write (no unique
    key, so two writers never collide); a rebuild deletes exactly the marks it read."""

    place_path = PlacePathField(_("区划路径"))
    month = models.DateField(_("月份"))

    class Meta:
        verbose_name = _("待重算的汇总")
        verbose_name_plural = _("待重算的汇总")
        indexes = [models.Index(fields=["place_path", "month"], name="rollup_stale_path")]

    def __str__(self) -> str:
        return f"{self.place_path} {self.month:%Y-%m}"
