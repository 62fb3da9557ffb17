"""The built-in topic areas and quantity items of work records. Admins may add more.

Used by migration 0002 (with the historical models) and by the demo loader."""

TOPICS = [
    ("party", "党建"), ("security", "综治平安"), ("civil", "民政救助"), ("culture", "文体"),
    ("health", "卫生健康"), ("family_planning", "计生"), ("women_children", "妇女儿童"),
    ("elderly", "老龄"), ("disability", "残联"), ("science", "科普"), ("law", "法治"),
    ("employment", "就业社保"), ("environment", "环境"), ("fire", "消防安全"),
    ("ethnic_unity", "民族团结"), ("veterans", "退役军人"), ("youth", "青少年"),
    ("volunteering", "志愿服务"), ("other", "其他"),
]  # fmt: skip

QUANTITY_KINDS = [
    ("宣传资料", "份"), ("横幅", "条"), ("展板", "块"), ("黑板报", "期"), ("咨询", "人次"),
    ("资金", "元"), ("物品", "件"), ("重量", "公斤"),
]  # fmt: skip


def ensure(Topic, QuantityKind) -> None:
    """Create whichever built-in topics and quantity items are missing."""
    for order, (code, name) in enumerate(TOPICS, start=1):
        Topic.objects.get_or_create(code=code, defaults={"name": name, "order": order * 10})
    for order, (name, unit) in enumerate(QUANTITY_KINDS, start=1):
        QuantityKind.objects.get_or_create(name=name, defaults={"unit": unit, "order": order * 10})
