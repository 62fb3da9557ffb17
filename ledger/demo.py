"""A year of a community's work records for the demo: every kind and topic area, with venues,
organisers, head counts, quantities and named participants in plausible proportions."""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal

from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import User
from areas.kinds import PlaceKind
from areas.models import Place
from ledger.models import (
    Attachment,
    Minutes,
    Participant,
    Quantity,
    QuantityKind,
    ServiceEntry,
    Topic,
    Visit,
    WorkRecord,
)
from people.models import Residence, Resident, Staff
from shequ import files

K = WorkRecord.Kind
# (kind, title, topic codes, records a year, head count range, quantities {item: range})
PLAN = [
    (K.ACTIVITY, "重阳节敬老文艺汇演", ["elderly", "culture"], 2, (60, 200), {}),
    (K.ACTIVITY, "邻里节百家宴", ["culture"], 2, (80, 300), {"资金": (800, 3000)}),
    (K.ACTIVITY, "六一亲子手工活动", ["women_children"], 3, (20, 60), {"物品": (20, 80)}),
    (K.ACTIVITY, "义诊进社区", ["health", "elderly"], 6, (40, 150), {"咨询": (30, 120)}),
    (K.MEETING, "两委班子例会", ["party"], 24, (7, 12), {}),
    (K.MEETING, "网格员工作例会", ["security"], 12, (5, 10), {}),
    (K.MEETING, "党员大会", ["party"], 4, (30, 80), {}),
    (K.TRAINING, "网格员业务培训", ["security"], 4, (8, 20), {}),
    (K.TRAINING, "消防器材使用培训", ["fire"], 3, (20, 60), {"宣传资料": (50, 200)}),
    (K.LECTURE, "老年人防诈骗讲座", ["law", "elderly"], 4, (30, 90), {"宣传资料": (100, 300)}),
    (K.LECTURE, "健康知识讲座", ["health", "science"], 6, (25, 70), {"宣传资料": (50, 150)}),
    (K.PUBLICITY, "国家安全教育日宣传", ["law", "security"], 1, (100, 300),
     {"宣传资料": (200, 600), "横幅": (1, 3), "展板": (2, 6)}),
    (K.PUBLICITY, "垃圾分类宣传", ["environment"], 6, (50, 200),
     {"宣传资料": (100, 400), "横幅": (1, 2)}),
    (K.PUBLICITY, "民族团结进步宣传月", ["ethnic_unity"], 1, (80, 200),
     {"宣传资料": (200, 500), "展板": (2, 6), "黑板报": (1, 2)}),
    (K.PUBLICITY, "就业政策宣传", ["employment"], 4, (30, 100),
     {"宣传资料": (100, 300), "咨询": (20, 60)}),
    (K.VISIT, "走访慰问困难家庭", ["civil"], 12, (5, 20), {"物品": (5, 30)}),
    (K.VISIT, "入户走访高龄独居老人", ["elderly"], 12, (10, 30), {}),
    (K.PATROL, "平安巡逻", ["security", "fire"], 48, (6, 15), {}),
    (K.VOLUNTEERING, "楼道清洁义务劳动", ["environment", "volunteering"], 12, (15, 40),
     {"重量": (50, 300)}),
    (K.VOLUNTEERING, "学雷锋志愿服务", ["volunteering"], 2, (20, 60), {}),
    (K.ASSEMBLY, "居民议事会", ["other"], 4, (15, 40), {}),
    (K.CONDOLENCE, "春节慰问退役军人", ["veterans"], 1, (10, 30),
     {"资金": (2000, 8000), "物品": (10, 40)}),
    (K.CONDOLENCE, "慰问残疾人家庭", ["disability", "civil"], 2, (5, 15), {"资金": (1000, 5000)}),
    (K.REPORT, "社区工作简报", ["other"], 12, (0, 0), {}),
]  # fmt: skip
VENUES = [
    "社区党群服务中心",
    "社区活动室",
    "社区文化广场",
    "小区中心花园",
    "社区会议室",
    "辖区各小区",
]
R = Participant.Role
NAMED = {K.VOLUNTEERING: R.VOLUNTEER, K.CONDOLENCE: R.SERVED, K.ACTIVITY: R.PARTICIPANT}
AGENDA = {
    "两委班子例会": (["传达街道工作会议精神", "研究本月重点工作安排", "讨论困难群众帮扶名单"],
                ["本月重点做好安全隐患排查，责任到网格", "困难帮扶名单经公示后报街道"]),
    "网格员工作例会": (["通报上周网格巡查情况", "布置入户信息核实任务"],
                 ["各网格本周内完成出租房屋信息核实"]),
    "党员大会": (["学习党的创新理论", "通报支部工作", "收缴党费"],
             ["开展党员志愿服务进楼栋活动", "下季度组织一次主题党日"]),
}  # fmt: skip
FINDINGS = ["身体状况良好，生活能自理", "反映楼道灯不亮，已报物业", "子女在外地，需定期探望",
            "家中用电安全，无隐患", "提出希望参加社区老年活动", "已告知最新医保政策"]  # fmt: skip


def populate(community: Place, rng: random.Random, *, photos: bool = True) -> dict[str, int]:
    """The community's records for the twelve months before today. Returns the counts.
    Without `photos` no picture is made (a district's hundred communities would fill the
    upload folder with them)."""
    today = timezone.localdate()
    places = [community, *community.children.filter(kind=PlaceKind.GRID).order_by("code")]
    topics = {t.code: t for t in Topic.objects.all()}
    items = {k.name: k for k in QuantityKind.objects.all()}
    staff = list(Staff.objects.filter(place_path__under=community.path))
    residents = list(
        Resident.objects.filter(place_path__under=community.path, status="在住")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    records, topic_links, quantities, people = [], [], [], []
    for kind, title, codes, per_year, heads, amounts in PLAN:
        for _ in range(per_year):
            place = rng.choice(places) if kind in (K.PATROL, K.VISIT) else community
            start = datetime.time(rng.choice([8, 9, 10, 14, 15, 19]), rng.choice([0, 30]))
            record = WorkRecord(
                kind=kind,
                title=title,
                date=today - datetime.timedelta(days=rng.randint(0, 364)),
                start_time=start,
                end_time=(
                    datetime.datetime.combine(today, start) + datetime.timedelta(hours=2)
                ).time(),
                venue=rng.choice(VENUES),
                organiser=rng.choice(staff) if staff else None,
                head_count=rng.randint(*heads) if heads[1] else None,
                place=place,
                place_path=place.path,
            )
            records.append((record, codes, amounts))
    WorkRecord.objects.bulk_create([r for r, _, _ in records], batch_size=500)
    Through = WorkRecord.topics.through
    for record, codes, amounts in records:
        topic_links += [Through(workrecord=record, topic=topics[c]) for c in codes if c in topics]
        for name, (low, high) in amounts.items():
            quantities.append(
                Quantity(record=record, kind=items[name], amount=Decimal(rng.randint(low, high)))
            )
        role = NAMED.get(record.kind)
        if role and residents and rng.random() < 0.6:
            for pk in rng.sample(residents, k=min(len(residents), rng.randint(2, 6))):
                hours = (
                    Decimal(rng.choice([1, 1.5, 2, 3]))
                    if role == Participant.Role.VOLUNTEER
                    else None
                )
                people.append(
                    Participant(
                        record=record,
                        resident_id=pk,
                        role=role,
                        hours=hours,
                        place_path=record.place_path,
                        date=record.date,
                    )
                )
    Through.objects.bulk_create(topic_links, batch_size=1000)
    Quantity.objects.bulk_create(quantities, batch_size=1000)
    Participant.objects.bulk_create(people, batch_size=1000)
    saved = [r for r, _, _ in records]
    _minutes(saved, staff, rng)
    return {
        "records": len(records),
        "participants": len(people),
        "visits": _visits(saved, community, rng),
        "photos": _photos(saved, rng) if photos else 0,
        "services": _services(community, rng, today),
    }


def _minutes(records: list[WorkRecord], staff: list[Staff], rng: random.Random) -> None:
    """Minutes for the meetings that have an agenda here: chair, recorder, who came."""
    names = [s.name for s in staff] or ["王主任", "李书记", "张委员"]
    minutes = []
    for record in records:
        if record.title not in AGENDA:
            continue
        agenda, decisions = AGENDA[record.title]
        present = rng.sample(names, k=min(len(names), max(2, (record.head_count or 3) // 2)))
        absent = [n for n in names if n not in present][:1]
        record.head_count = len(present)  # as save_minutes() does: those present are counted
        minutes.append(
            Minutes(
                record=record,
                chair=present[0],
                recorder=present[-1],
                expected=len(present) + len(absent),
                present="、".join(present),
                absent="、".join(f"{n}（请假）" for n in absent),
                agenda="\n".join(agenda),
                decisions="\n".join(decisions),
            )
        )
    Minutes.objects.bulk_create(minutes, batch_size=500)
    WorkRecord.objects.bulk_update([m.record for m in minutes], ["head_count"], batch_size=500)


def _visits(records: list[WorkRecord], community: Place, rng: random.Random) -> int:
    """Each visit record reaches a handful of households or residents of its grid."""
    homes: dict[str, list[tuple[int, int]]] = {}
    for resident_id, household_id, path in (
        Residence.objects.current()
        .filter(household__place_path__startswith=community.path)
        .values_list("resident_id", "household_id", "household__place_path")
    ):
        homes.setdefault(path, []).append((resident_id, household_id))
    visits = []
    for record in records:
        if record.kind != K.VISIT:
            continue
        pool = [h for path, hs in homes.items() if path.startswith(record.place_path) for h in hs]
        for resident_id, household_id in rng.sample(pool, k=min(len(pool), rng.randint(3, 8))):
            whole = rng.random() < 0.5
            visits.append(
                Visit(
                    record=record,
                    resident_id=None if whole else resident_id,
                    household_id=household_id if whole else None,
                    purpose=rng.choice(Visit.Purpose.values[:5]),
                    findings=rng.choice(FINDINGS),
                )
            )
    Visit.objects.bulk_create(visits, batch_size=1000, ignore_conflicts=False)
    return len(visits)


def _photos(records: list[WorkRecord], rng: random.Random) -> int:
    """A few activities with a photo or two, stored the way an upload would be."""
    chosen = rng.sample(
        [r for r in records if r.kind in (K.ACTIVITY, K.PUBLICITY, K.VOLUNTEERING)], k=6
    )
    count = 0
    for record in chosen:
        for n in range(rng.randint(1, 2)):
            checked = files.check_photo(sample_photo(rng.randint(0, 10_000)), "现场.jpg")
            stored_as = files.new_stored_name("jpg")
            files.write(stored_as, checked)
            Attachment.objects.create(
                record=record,
                kind=Attachment.Kind.PHOTO,
                name=f"现场照片{n + 1}.jpg",
                stored_as=stored_as,
                content_type=checked.content_type,
                size=len(checked.content),
                width=checked.width,
                height=checked.height,
            )
            count += 1
    return count


def sample_photo(seed: int = 0, size: tuple[int, int] = (800, 600)) -> bytes:
    """A JPEG that looks enough like a photo of an event for the demo and the tests: a sky, a
    lawn, a banner and a crowd of coloured figures."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, (120 + rng.randint(0, 60), 170, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 2 // 3, width, height), fill=(90, 150 + rng.randint(0, 40), 80))
    draw.rectangle((width // 6, height // 8, width * 5 // 6, height // 4), fill=(200, 30, 40))
    for _n in range(30):
        x, y = rng.randint(0, width), rng.randint(height // 2, height)
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        draw.ellipse((x - 12, y - 40, x + 12, y - 16), fill=(240, 200, 170))
        draw.rectangle((x - 15, y - 16, x + 15, y + 30), fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _services(community: Place, rng: random.Random, today: datetime.date) -> int:
    """About three desk services a working day, handled by the community's accounts."""
    workers = list(User.objects.filter(place__path__startswith=community.path, is_active=True))
    residents = list(
        Resident.objects.filter(place_path__under=community.path, status="在住").values_list(
            "pk", "place_id", "place_path"
        )
    )
    if not residents:
        return 0
    services = ServiceEntry.Service.values
    entries = []
    for _ in range(rng.randint(500, 800)):
        pk, place_id, path = rng.choice(residents)
        entries.append(
            ServiceEntry(
                resident_id=pk,
                service=rng.choices(services, weights=[20, 25, 15, 10, 5, 20, 5])[0],
                date=today - datetime.timedelta(days=rng.randint(0, 364)),
                outcome=rng.choices(ServiceEntry.Outcome.values, weights=[85, 5, 8, 2])[0],
                handled_by=rng.choice(workers) if workers else None,
                place_id=place_id,
                place_path=path,
            )
        )
    ServiceEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def bulk_records(
    rng: random.Random,
    places: list[Place],
    count: int,
    *,
    end: datetime.date,
    days: int,
    residents: list[int] = (),
    named_share: float = 0.3,
    batch: int = 10_000,
) -> dict[str, int]:
    """`count` more work records of the demo's mix (`PLAN`, weighted by how often each comes
    in a year) at `places`, dated over the `days` days up to `end`, with their topics,
    quantities and, for a `named_share` of the kinds that name people, a few of `residents`.
    Written in batches, each batch's links right after it (bulk_create gives the batch its ids
    on both databases), so memory stays that of one batch. Returns how many records and named
    participants were made."""
    weights = [per_year for _, _, _, per_year, _, _ in PLAN]
    topics = {t.code: t.pk for t in Topic.objects.all()}
    items = {k.name: k.pk for k in QuantityKind.objects.all()}
    Through = WorkRecord.topics.through
    made = {"records": 0, "participants": 0}
    for batch_start in range(0, count, batch):
        rows = []
        for _ in range(min(batch, count - batch_start)):
            kind, title, codes, _, heads, amounts = rng.choices(PLAN, weights)[0]
            place = rng.choice(places)
            hour = rng.choice([None, 8, 9, 10, 14, 15, 19])
            record = WorkRecord(
                kind=kind,
                title=title,
                date=end - datetime.timedelta(days=rng.randrange(days)),
                start_time=None if hour is None else datetime.time(hour),
                end_time=None if hour is None else datetime.time(hour + 2),
                venue=rng.choice(VENUES),
                head_count=rng.randint(*heads) if heads[1] else None,
                place=place,
                place_path=place.path,
            )
            rows.append((record, codes, amounts))
        WorkRecord.objects.bulk_create([r for r, _, _ in rows], batch_size=1000)
        links, quantities, people = [], [], []
        for record, codes, amounts in rows:
            links += [Through(workrecord_id=record.pk, topic_id=topics[c]) for c in codes]
            quantities += [
                Quantity(record_id=record.pk, kind_id=items[name], amount=rng.randint(*span))
                for name, span in amounts.items()
            ]
            role = NAMED.get(record.kind)
            if role and residents and rng.random() < named_share:
                hours = Decimal(rng.choice([1, 2, 3])) if role == R.VOLUNTEER else None
                people += [
                    Participant(
                        record_id=record.pk,
                        resident_id=pk,
                        role=role,
                        hours=hours,
                        place_path=record.place_path,
                        date=record.date,
                    )
                    for pk in rng.sample(residents, k=min(len(residents), rng.randint(2, 5)))
                ]
        Through.objects.bulk_create(links, batch_size=2000)
        Quantity.objects.bulk_create(quantities, batch_size=2000)
        Participant.objects.bulk_create(people, batch_size=2000)
        made["records"] += len(rows)
        made["participants"] += len(people)
    return made
