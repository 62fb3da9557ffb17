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
}
