"""Chinese names of the actions written to the audit log, for the auditor's page."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "auth.login": _("登录"),
    "auth.logout": _("退出登录"),
    "auth.login_failed": _("登录失败"),
    "auth.lockout": _("账号锁定"),
    "auth.login_blocked": _("锁定期间尝试登录"),
    "auth.password_change": _("修改本人密码"),
    "access.denied": _("越权访问被拒绝"),
    "access.out_of_scope": _("访问辖区外对象"),
    "place.create": _("新增区划"),
    "place.update": _("修改区划"),
    "place.move": _("调整区划归属"),
    "place.retire": _("撤销区划"),
    "user.create": _("新建账号"),
    "user.update": _("修改账号"),
    "user.password_reset": _("重置账号密码"),
    "user.deactivate": _("停用账号"),
    "user.activate": _("启用账号"),
    "demo.load": _("载入演示数据"),
    "resident.create": _("登记居民"),
    "resident.update": _("修改居民信息"),
    "resident.reveal": _("查看敏感信息原文"),
    "resident.move_out": _("居民迁出"),
    "resident.death": _("登记死亡"),
    "household.create": _("新建户"),
    "household.update": _("修改户信息"),
    "household.move_in": _("迁入本户"),
    "household.split": _("分户"),
    "household.merge": _("合户"),
    "membership.create": _("登记重点人群"),
    "membership.end": _("结束重点人群登记"),
    "import.upload": _("上传导入文件"),
    "import.commit": _("导入数据"),
    "import.report": _("下载导入错误报告"),
    "ledger.view": _("查看台账"),
    "ledger.export": _("导出台账"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


# Names of the keys that services put in an entry's `data`.
DATA_LABELS = {
    "path": _("访问路径"),
    "method": _("请求方式"),
    "failures": _("连续失败次数"),
    "minutes": _("锁定分钟数"),
    "via": _("方式"),
    "places": _("新增区划数"),
    "accounts": _("新增账号数"),
    "field": _("字段"),
    "resident": _("居民编号"),
    "name": _("姓名"),
    "relation": _("与户主关系"),
    "since": _("日期"),
    "memberships_ended": _("结束的重点人群登记数"),
    "new_household": _("新户户号"),
    "members": _("成员"),
    "into": _("并入户"),
    "kind": _("内容"),
    "file": _("文件"),
    "sha256": _("文件校验值"),
    "rows": _("行数"),
    "created": _("新增"),
    "updated": _("更新"),
    "unchanged": _("无变化"),
    "errors": _("错误数"),
    "households": _("新建户数"),
    "ledger": _("台账"),
    "day": _("统计日期"),
    "page": _("页码"),
    "full_numbers": _("含完整号码"),
}
