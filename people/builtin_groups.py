"""The built-in special-group categories and their attributes. Admins may add more on screen.

Used by migration 0002 (with the historical models) and by the demo loader, which restores them
on a database that has been emptied."""

# (code, name, subject, sensitivity, [(key, label, kind, choices, unit, required)])
CATEGORIES = [
    ("dibao", "低保", "household", "personal", [
        ("monthly_amount", "月保障金", "decimal", "", "元", True),
        ("covered_persons", "保障人数", "number", "", "人", True),
        ("certificate_no", "低保证号", "text", "", "", False),
    ]),
    ("tekun", "特困", "resident", "personal", [
        ("support_type", "供养方式", "choice", "集中供养,分散供养", "", True),
        ("monthly_amount", "月供养金", "decimal", "", "元", False),
        ("certificate_no", "特困证号", "text", "", "", False),
    ]),
    ("disabled", "残疾", "resident", "health", [
        ("disability_type", "残疾类别", "choice", "视力,听力,言语,肢体,智力,精神,多重", "", True),
        ("grade", "残疾等级", "choice", "一级,二级,三级,四级", "", True),
        ("certificate_no", "残疾证号", "text", "", "", False),
    ]),
    ("elderly", "高龄/独居老人", "resident", "normal", [
        ("living_alone", "独居", "boolean", "", "", False),
        ("contact", "紧急联系人", "text", "", "", False),
    ]),
    ("party", "党员", "resident", "normal", [
        ("branch", "所在支部", "text", "", "", True),
        ("joined", "入党日期", "date", "", "", False),
        ("party_status", "党员类别", "choice", "正式党员,预备党员", "", True),
        ("mobile", "流动党员", "boolean", "", "", False),
    ]),
    ("floating", "流动人口", "resident", "normal", [
        ("origin", "户籍地", "text", "", "", True),
        ("arrival", "来本地日期", "date", "", "", False),
        ("permit_no", "居住证号", "text", "", "", False),
    ]),
    ("veteran", "退役军人", "resident", "normal", [
        ("veteran_type", "退役类别", "choice", "退役士兵,转业军官,退休干部,其他", "", False),
        ("discharged", "退役日期", "date", "", "", False),
    ]),
    ("childbearing", "育龄妇女", "resident", "normal", [
        ("children", "现有子女数", "number", "", "个", False),
    ]),
    ("unemployed", "失业人员", "resident", "normal", [
        ("registered", "失业登记日期", "date", "", "", False),
        ("certificate_no", "就业创业证号", "text", "", "", False),
        ("wish", "就业意向", "text", "", "", False),
    ]),
    ("correction", "社区矫正", "resident", "judicial", [
        ("correction_type", "矫正类别", "choice", "管制,缓刑,假释,暂予监外执行", "", True),
        ("supervisor", "矫正责任人", "text", "", "", False),
    ]),
    ("released", "安置帮教", "resident", "judicial", [
        ("released_on", "刑满释放日期", "date", "", "", True),
        ("helper", "帮教责任人", "text", "", "", False),
    ]),
    ("mental", "严重精神障碍", "resident", "health", [
        ("risk_level", "风险等级", "choice", "0级,1级,2级,3级,4级,5级", "", True),
        ("guardian", "监护人", "text", "", "", False),
    ]),
]  # fmt: skip


def ensure(GroupCategory, GroupAttribute) -> int:
    """Create whichever built-in categories and attributes are missing; returns how many
    categories were added."""
    added = 0
    for order, (code, name, subject, sensitivity, attributes) in enumerate(CATEGORIES, start=1):
        category, created = GroupCategory.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "subject": subject,
                "sensitivity": sensitivity,
                "order": order * 10,
            },
        )
        added += created
        for position, (key, label, kind, choices, unit, required) in enumerate(attributes, 1):
            GroupAttribute.objects.get_or_create(
                category=category,
                key=key,
                defaults={
                    "label": label,
                    "kind": kind,
                    "choices": choices,
                    "unit": unit,
                    "required": required,
                    "order": position * 10,
                },
            )
    return added
