"""The built-in checklists: fire safety, patriotic health and pest control (with monitoring
counts), food hygiene and rental safety. Admins change them by publishing new versions and may
add their own. Used by migration 0002 (with the historical models)."""

# Item: (label, kind, choices, failing answers, unit, needs rectification)
Y = "yesno"
CHECKLISTS = [
    ("消防安全检查", "消防安全", False, "对辖区商铺、单位和出租房屋开展的日常消防安全检查", [
        ("灭火器配置齐全且在有效期内", Y, "", "否", "", True),
        ("疏散通道、安全出口畅通", Y, "", "否", "", True),
        ("应急照明和疏散指示标志完好", Y, "", "否", "", True),
        ("存在私拉乱接电线", Y, "", "是", "", True),
        ("电动自行车在室内或楼道停放、充电", Y, "", "是", "", True),
        ("违规存放易燃易爆物品", Y, "", "是", "", True),
        ("“三合一”场所住人", "choice", "无、有且已分隔、有但未分隔", "有但未分隔", "", True),
        ("从业人员会报警、会使用灭火器", Y, "", "否", "", False),
        ("配置灭火器数量", "number", "", "", "具", False),
        ("其他问题", "text", "", "", "", False),
    ]),
    ("爱国卫生/病媒生物防制检查", "爱国卫生", True, "病媒生物（鼠、蚊、蝇、蟑）防制检查和监测", [
        ("室内外环境整洁，无卫生死角", Y, "", "否", "", True),
        ("垃圾分类投放，日产日清", Y, "", "否", "", True),
        ("防鼠设施（挡鼠板、防鼠网）完好", Y, "", "否", "", True),
        ("发现蚊蝇孳生地（积水容器等）", Y, "", "是", "", True),
        ("发现蟑螂活体或卵鞘", Y, "", "是", "", True),
        ("按规定投放鼠药毒饵站", Y, "", "否", "", False),
        ("其他问题", "text", "", "", "", False),
    ]),
    ("食品卫生检查", "食品卫生", False, "对餐饮店、食品店和农贸市场的食品卫生检查", [
        ("营业执照、食品经营许可证齐全有效", Y, "", "否", "", True),
        ("从业人员持有效健康证明", Y, "", "否", "", True),
        ("生熟分开存放，无过期变质食品", Y, "", "否", "", True),
        ("餐饮具清洗消毒设施正常使用", Y, "", "否", "", True),
        ("“三防”设施（防鼠、防蝇、防尘）齐全", Y, "", "否", "", True),
        ("卫生状况", "choice", "良好、一般、较差", "较差", "", True),
        ("其他问题", "text", "", "", "", False),
    ]),
    ("出租房屋安全检查", "出租房屋", False, "出租房屋治安、消防安全检查", [
        ("承租人信息已登记", Y, "", "否", "", True),
        ("签订出租房屋治安责任书", Y, "", "否", "", False),
        ("群租（人均面积过小或隔断出租）", Y, "", "是", "", True),
        ("配置灭火器或简易消防器材", Y, "", "否", "", True),
        ("私拉乱接电线、超负荷用电", Y, "", "是", "", True),
        ("燃气使用安全（软管、报警器）", Y, "", "否", "", True),
        ("居住人数", "number", "", "", "人", False),
        ("其他问题", "text", "", "", "", False),
    ]),
]  # fmt: skip


def ensure(Checklist, ChecklistVersion, ChecklistItem, *, now) -> None:
    """Create whichever built-in checklists are missing, each with a published first version."""
    for name, area, counts, description, items in CHECKLISTS:
        if Checklist.objects.filter(name=name).exists():
            continue
        checklist = Checklist.objects.create(
            name=name, area=area, counts=counts, description=description
        )
        version = ChecklistVersion.objects.create(checklist=checklist, number=1, published_at=now)
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                version=version, order=order, label=label, kind=kind, choices=choices,
                failing=failing, unit=unit, required=kind != "text",
                needs_rectification=rectify,
            )
            for order, (label, kind, choices, failing, unit, rectify) in enumerate(items, 1)
        )  # fmt: skip
