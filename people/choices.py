"""Enumerations of the registry. Values are the standard Chinese terms themselves, so imported
spreadsheets and exported ledgers read the same as the screens."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The 56 ethnic groups (GB 3304 order).
ETHNICITIES = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族",
    "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族",
    "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族",
    "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族",
    "珞巴族", "基诺族",
]  # fmt: skip
ETHNICITY_CHOICES = [(e, e) for e in ETHNICITIES]


class Sex(models.TextChoices):
    MALE = "男", _("男")
    FEMALE = "女", _("女")


class Education(models.TextChoices):
    POSTGRADUATE = "研究生", _("研究生")
    BACHELOR = "大学本科", _("大学本科")
    COLLEGE = "大学专科", _("大学专科")
    HIGH_SCHOOL = "高中/中专", _("高中/中专")
    JUNIOR = "初中", _("初中")
    PRIMARY = "小学", _("小学")
    NONE = "文盲或半文盲", _("文盲或半文盲")
    PRESCHOOL = "学龄前", _("学龄前")


# High school or above, for staff statistics.
HIGH_SCHOOL_OR_ABOVE = [
    Education.POSTGRADUATE,
    Education.BACHELOR,
    Education.COLLEGE,
    Education.HIGH_SCHOOL,
]


class PoliticalStatus(models.TextChoices):
    PARTY = "中共党员", _("中共党员")
    PROBATIONARY = "中共预备党员", _("中共预备党员")
    LEAGUE = "共青团员", _("共青团员")
    DEMOCRATIC = "民主党派", _("民主党派")
    MASSES = "群众", _("群众")


class MaritalStatus(models.TextChoices):
    SINGLE = "未婚", _("未婚")
    MARRIED = "已婚", _("已婚")
    DIVORCED = "离婚", _("离婚")
    WIDOWED = "丧偶", _("丧偶")


class HukouType(models.TextChoices):
    LOCAL = "户籍", _("户籍")
    FLOATING = "流动", _("流动")
    FOREIGN = "境外", _("境外")


class ResidentStatus(models.TextChoices):
    PRESENT = "在住", _("在住")
    MOVED_OUT = "迁出", _("迁出")
    DECEASED = "死亡", _("死亡")


class Registration(models.TextChoices):
    LOCAL = "户籍", _("户籍户")
    RESIDENT = "常住", _("常住户")
    FLOATING = "流动", _("流动户")


class Relation(models.TextChoices):
    HEAD = "户主", _("户主")
    SPOUSE = "配偶", _("配偶")
    SON = "子", _("子")
    DAUGHTER = "女", _("女")
    PARENT = "父母", _("父母")
    GRANDPARENT = "祖父母", _("祖父母")
    GRANDCHILD = "孙子女", _("孙子女")
    SIBLING = "兄弟姐妹", _("兄弟姐妹")
    IN_LAW = "儿媳/女婿", _("儿媳/女婿")
    OTHER = "其他", _("其他")
