"""Simulated case history for the demo city: every case is created with ``create_report`` and moved
with the real workflow actions under a frozen clock, so the history obeys every rule (time limits,
roles, regions) and the event log is what production would have written. Cases whose next step falls
after "now" stay open, so work lists, maps and evaluations have content on first start.
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import shapely
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.accounts import service as accounts
from chengguan.accounts.models import User, UserRole
from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.cases import actions, service
from chengguan.cases.actions import ActionInput
from chengguan.cases.models import Case
from chengguan.catalog.models import Category
from chengguan.core import clock, db
from chengguan.core.errors import AppError
from chengguan.geo.models import ResponsibilityAssignment, ResponsibilityGridCell, UnitGrid

# What people report, roughly as in real 数字城管 statistics: street order and sanitation dominate.
CATEGORY_WEIGHTS: dict[str, float] = {
    "06010": 14, "09006": 12, "09009": 9, "07001": 9, "06012": 7, "06036": 6, "09005": 6, "09010": 5,
    "06042": 5, "08006": 3, "06001": 3, "06013": 3, "08004": 2, "06017": 2, "06028": 2, "09001": 2,
    "01037": 4, "01001": 2, "01002": 2, "01003": 2, "03005": 3, "04002": 2, "02012": 1, "03001": 1,
    "02004": 1, "06029": 1, "06007": 1, "07003": 1, "10002": 0.3,
}
CHANNEL_WEIGHTS = {"patrol": 56, "public": 14, "hotline": 14, "video": 7, "leader": 2, "media": 2, "transfer": 5}


@dataclass(order=True)
class _Job:
    at: datetime
    seq: int
    fn: Callable[[], object] = field(compare=False)


@dataclass
class _World:
    rng: random.Random
    end: datetime
    heap: list[_Job] = field(default_factory=list)
    seq: int = 0
    stats: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def at(self, when: datetime, fn: Callable[[], object]) -> None:
        if when <= self.end:
            self.seq += 1
            heapq.heappush(self.heap, _Job(when, self.seq, fn))


def simulate(days: int = 90, seed: int = 2026, per_day: int = 35, progress: bool = True,
             end: datetime | None = None) -> dict[str, int]:
    end = end or clock.now()
    rng = random.Random(seed)
    world = _World(rng, end)
    with db.session_scope() as s:
        cast = _Cast.load(s)
        photo = _demo_photo(s)
    start_day = clock.local(end - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    for d in range(days + 1):
        day = start_day + timedelta(days=d)
        n = max(0, int(rng.gauss(per_day * (0.6 if day.weekday() >= 5 else 1.0), per_day * 0.2)))
        for _ in range(n):
            t = day + timedelta(minutes=rng.uniform(7 * 60, 21 * 60))
            world.at(t, _new_case(world, cast, photo))
    total = len(world.heap)
    bar = Progress(TextColumn("  模拟历史案件"), BarColumn(), TextColumn("{task.completed} 步"), TimeElapsedColumn(),
                   disable=not progress)
    with bar:
        task = bar.add_task("", total=None)
        while world.heap:
            batch = 0
            with db.session_scope() as s:
                cast.session = s
                while world.heap and batch < 400:
                    job = heapq.heappop(world.heap)
                    with clock.frozen(job.at):
                        try:
                            with s.begin_nested():
                                job.fn()
                        except AppError as exc:  # a refused step is a realistic outcome; note and go on
                            world.stats[f"refused:{exc.code}"] += 1
                    batch += 1
                bar.advance(task, batch)
    world.stats["reports"] = total
    return dict(world.stats)


class _Cast:
    """The demo people as principals, and what the simulator needs to pick them."""

    session: Session

    def __init__(self) -> None:
        self.by_role: dict[str, list[Principal]] = defaultdict(list)
        self.by_dept: dict[int, Principal] = {}
        self.collector_grids: list[tuple[Principal, list[str]]] = []
        self.grid_collectors: dict[str, list[Principal]] = defaultdict(list)
        self.grids: dict[str, tuple[Any, int]] = {}
        self.categories: list[tuple[str, float]] = []

    @classmethod
    def load(cls, s: Session) -> _Cast:
        c = cls()
        users = {u.id: u for u in s.scalars(select(User).where(User.is_active.is_(True)))}
        principals = {uid: accounts.principal_for(u) for uid, u in users.items()}
        for r in s.scalars(select(UserRole)):
            p = principals.get(r.user_id)
            if p is None:
                continue
            c.by_role[r.role].append(p)
            if r.role == Role.DEPT_HANDLER and r.department_id and r.department_id not in c.by_dept:
                c.by_dept[r.department_id] = p
        rows = s.execute(select(ResponsibilityAssignment.user_id, ResponsibilityGridCell.grid_code).join(
            ResponsibilityGridCell, ResponsibilityGridCell.responsibility_grid_id
            == ResponsibilityAssignment.responsibility_grid_id)).all()
        per_user: dict[int, list[str]] = defaultdict(list)
        for uid, g in rows:
            per_user[uid].append(g)
            if uid in principals:
                c.grid_collectors[g].append(principals[uid])
        c.collector_grids = [(principals[u], sorted(g)) for u, g in sorted(per_user.items()) if u in principals]
        for code, geom, rc in s.execute(select(UnitGrid.code, UnitGrid.geom, UnitGrid.region_class)).tuples():
            c.grids[code] = (geom, rc)
        have = {code for (code,) in s.execute(select(Category.code).where(Category.kind == "matter"))}
        c.categories = [(k, w) for k, w in CATEGORY_WEIGHTS.items() if k in have]
        return c

    def one(self, role: str, rng: random.Random) -> Principal | None:
        people = self.by_role.get(role) or []
        return people[0] if people and rng.random() < 0.7 else (rng.choice(people) if people else None)


def _demo_photo(s: Session) -> str | None:
    """A tiny generated JPEG used as the before/after photo of simulated cases."""
    import io

    from PIL import Image, ImageDraw

    from chengguan.system import files

    img = Image.new("RGB", (320, 240), (200, 210, 220))
    ImageDraw.Draw(img).rectangle((40, 60, 280, 180), fill=(90, 120, 150))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70)
    row = files.save_upload(s, buf.getvalue(), "demo.jpg", "image/jpeg", user_id=None, meta={"demo": True})
    s.flush()
    return service.file_token(row.id)


def _point_in(geom: Any, rng: random.Random) -> tuple[float, float]:
    minx, miny, maxx, maxy = geom.bounds
    for _ in range(20):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if geom.contains(shapely.Point(x, y)):
            return x, y
    p = geom.representative_point()
    return p.x, p.y


def _mins(rng: random.Random, lo: float, hi: float) -> timedelta:
    return timedelta(minutes=rng.uniform(lo, hi))


def _new_case(w: _World, cast: _Cast, photo: str | None) -> Callable[[], object]:
    rng = w.rng
    channel = rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
    codes, weights = zip(*cast.categories, strict=True)
    code = rng.choices(codes, weights=weights)[0]
    reporter: Principal | None
    if channel == "patrol" and cast.collector_grids:
        reporter, grids = rng.choice(cast.collector_grids)
        grid = rng.choice(grids)
    else:
        grid = rng.choice(list(cast.grids))
        reporter = {"public": None, "hotline": cast.one(Role.ACCEPTOR, rng), "video": cast.one(Role.ACCEPTOR, rng),
                    "media": cast.one(Role.ACCEPTOR, rng), "transfer": cast.one(Role.ACCEPTOR, rng),
                    "leader": cast.one(Role.LEADER, rng)}.get(channel)
    geom = cast.grids[grid][0]
    lon, lat = _point_in(geom, rng)

    def run() -> None:
        s = cast.session
        self_dispose = channel == "patrol" and rng.random() < 0.08
        data = service.ReportInput(
            category_code=code, description=_describe(code, rng), lon=lon, lat=lat, channel=channel,
            photos=[photo] if photo else [], self_dispose=self_dispose, after_photos=[photo] if photo else [],
            reporter_name=None if reporter else rng.choice(["王先生", "李女士", "张先生", "市民", "刘女士"]),
            reporter_phone=None if reporter else f"139{rng.randint(10000000, 99999999)}",
            anonymous=reporter is None and rng.random() < 0.3,
            source={"camera_id": f"HM-CAM-{rng.randint(1, 400):04d}", "confidence": round(rng.uniform(0.7, 0.99), 2)}
            if channel == "video" else {"hotline_no": f"12345-{rng.randint(100000, 999999)}"}
            if channel == "hotline" else None,
        )
        case, dups = service.create_report(s, data, reporter)
        w.stats["created"] += 1
        if case.status == "closed":
            w.stats["self_disposed"] += 1
            return
        if dups and rng.random() < 0.7:
            _later(w, _mins(rng, 5, 40), lambda: _act(w, cast, case.id, "merge", Role.ACCEPTOR,
                                                       ActionInput(into=dups[0]["id"], opinion="重复上报，合并")))
            return
        if channel == "leader":
            pass
        _after_intake(w, cast, case.id, photo)

    return run


def _describe(code: str, rng: random.Random) -> str:
    texts = {
        "06010": ["路边有暴露垃圾未清运", "绿化带内有生活垃圾"], "09006": ["人行道上有流动摊贩占道经营", "早点摊占用人行道"],
        "09009": ["机动车停在人行道上", "消防通道旁乱停车"], "07001": ["电线杆上张贴小广告", "墙面喷涂办证小广告"],
        "06012": ["路面有油污，道路不洁"], "06036": ["楼道口乱堆杂物"], "09005": ["店铺在门外摆放货架经营"],
        "01037": ["路灯不亮", "路灯灯杆倾斜"], "01001": ["供水井盖破损"], "03005": ["垃圾箱破损", "垃圾箱满溢"],
    }
    return rng.choice(texts.get(code, ["发现问题，请处理"]))


def _later(w: _World, delta: timedelta, fn: Callable[[], object]) -> None:
    w.at(clock.now() + delta, fn)


def _act(w: _World, cast: _Cast, case_id: int, action: str, role: str | Principal | None,
         body: ActionInput | None = None) -> Case | None:
    s = cast.session
    case = s.get(Case, case_id)
    if case is None:
        return None
    if isinstance(role, Principal):
        p: Principal | None = role
    elif role == Role.COLLECTOR:
        people = cast.grid_collectors.get(case.grid_code) or []
        p = people[0] if people else None
    elif role == Role.DEPT_HANDLER:
        active = [a for a in case.assignments if a.state == "active"]
        p = cast.by_dept.get(active[0].department_id) if active else None
    else:
        p = cast.one(role or "", w.rng)
    if p is None:
        w.stats[f"nobody:{action}"] += 1
        return None
    actions.perform(s, case_id, action, body or ActionInput(), p)
    w.stats[action] += 1
    return case


def _after_intake(w: _World, cast: _Cast, case_id: int, photo: str | None) -> None:
    rng = w.rng
    case = cast.session.get(Case, case_id)
    assert case is not None
    if case.status == "verifying":
        def verify() -> None:
            ok = rng.random() > 0.1
            _act(w, cast, case_id, "verify", Role.COLLECTOR,
                 ActionInput(passed=ok, opinion="现场核实属实" if ok else "现场未发现该问题", photos=_ph(photo)))
            _later(w, _mins(rng, 5, 50), lambda: _register_or_reject(w, cast, case_id, photo))
        _later(w, _mins(rng, 10, 80), verify)
    else:
        _later(w, _mins(rng, 5, 45), lambda: _register_or_reject(w, cast, case_id, photo))
    if rng.random() < 0.03:
        _later(w, _mins(rng, 60, 600), lambda: _act(w, cast, case_id, "urge", Role.LEADER,
                                                     ActionInput(opinion="请相关部门抓紧处理，按时反馈")))


def _ph(photo: str | None) -> list[str]:
    return [photo] if photo else []


def _register_or_reject(w: _World, cast: _Cast, case_id: int, photo: str | None) -> None:
    rng = w.rng
    case = cast.session.get(Case, case_id)
    if case is None or case.status != "reported":
        return
    if case.verified is False or rng.random() < 0.04:
        _act(w, cast, case_id, "reject", Role.SHIFT_LEADER, ActionInput(opinion="经核实不属于城管受理范围或问题不存在"))
        return
    if rng.random() < 0.015:
        _act(w, cast, case_id, "void", Role.SHIFT_LEADER, ActionInput(opinion="信息不全，无法处理"))
        return
    _act(w, cast, case_id, "register", Role.SHIFT_LEADER, ActionInput(opinion="符合立案条件"))
    _later(w, _mins(rng, 5, 50), lambda: _dispatch(w, cast, case_id, photo))


def _dispatch(w: _World, cast: _Cast, case_id: int, photo: str | None) -> None:
    rng = w.rng
    if rng.random() < 0.01:
        _act(w, cast, case_id, "suspend", Role.DISPATCHER, ActionInput(opinion="需纳入年度改造计划，暂挂账"))
        _later(w, timedelta(days=rng.uniform(5, 30)), lambda: _resume_and_dispatch(w, cast, case_id, photo))
        return
    _act(w, cast, case_id, "dispatch", Role.DISPATCHER, ActionInput(opinion="请按时处置"))
    _schedule_disposal(w, cast, case_id, photo)


def _resume_and_dispatch(w: _World, cast: _Cast, case_id: int, photo: str | None) -> None:
    _act(w, cast, case_id, "resume", Role.DISPATCHER, ActionInput(opinion="条件具备，恢复处置"))
    _later(w, _mins(w.rng, 5, 60), lambda: _dispatch(w, cast, case_id, photo))


def _schedule_disposal(w: _World, cast: _Cast, case_id: int, photo: str | None) -> None:
    rng = w.rng
    case = cast.session.get(Case, case_id)
    if case is None or case.status != "dispatched" or case.dispose_due_at is None:
        return
    r = rng.random()
    if r < 0.03:
        _later(w, _mins(rng, 30, 240), lambda: _return_flow(w, cast, case_id, photo))
        return
    if r < 0.07:
        _later(w, _mins(rng, 30, 300), lambda: _extension_flow(w, cast, case_id, photo))
        return
    span = (case.dispose_due_at - clock.now()).total_seconds()
    # Most departments finish in time; about one case in eight runs late.
    frac = rng.uniform(0.15, 0.95) if rng.random() > 0.12 else rng.uniform(1.05, 2.2)
    _later(w, timedelta(seconds=max(span, 1800) * frac), lambda: _feedback(w, cast, case_id, photo))


def _return_flow(w: _World, cast: _Cast, case_id: int, photo: str | None) -> None:
    rng = w.rng
    if _act(w, cast, case_id, "return", Role.DEPT_HANDLER, ActionInput(opinion="非本部门职责，申请回退")) is None:
        return

    def decide() -> None:
        _act(w, cast, case_id, "approve-return", Role.DISPATCHER, ActionInput(opinion="同意回退，重新派遣"))
        _later(w, _mins(rng, 5, 60), lambda: _redispatch_other(w, cast, case_id, photo))

    _later(w, _mins(rng, 10, 120), decide)


def _redispatch_other(w: _World, cast: _Cast, case_id: int, photo: str | None) -> None:
    case = cast.session.get(Case, case_id)
    if case is None or case.status != "registered":
        return
    old = {a.department_id for a in case.assignments}
    others = [d for d in cast.by_dept if d not in old]
    dept = w.rng.choice(others) if others else None
    _act(w, cast, case_id, "dispatch", Role.DISPATCHER, ActionInput(department_id=dept, opinion="改派"))
    _schedule_disposal(w, cast, case_id, photo)


def _extension_flow(w: _World, cast: _Cast, case_id: int, photo: str | None) -> None:
    rng = w.rng
    hours = rng.choice([4, 8, 16, 24])
    if _act(w, cast, case_id, "request-extension", Role.DEPT_HANDLER,
            ActionInput(hours=hours, opinion="需协调产权单位，申请延期")) is None:
        return

    def decide() -> None:
        ok = rng.random() < 0.8
        _act(w, cast, case_id, "approve-extension" if ok else "deny-extension", Role.DISPATCHER,
             ActionInput(opinion="同意延期" if ok else "理由不充分，请按原时限处置"))
        _schedule_disposal_after_decision(w, cast, case_id, photo)

    _later(w, _mins(rng, 10, 180), decide)


def _schedule_disposal_after_decision(w: _World, cast: _Cast, case_id: int, photo: str | None) -> None:
    case = cast.session.get(Case, case_id)
    if case is None or case.status != "dispatched" or case.dispose_due_at is None:
        return
    span = max((case.dispose_due_at - clock.now()).total_seconds(), 1800)
    _later(w, timedelta(seconds=span * w.rng.uniform(0.3, 1.1)), lambda: _feedback(w, cast, case_id, photo))


def _feedback(w: _World, cast: _Cast, case_id: int, photo: str | None) -> None:
    rng = w.rng
    case = _act(w, cast, case_id, "feedback", Role.DEPT_HANDLER, ActionInput(opinion="已处置完毕", photos=_ph(photo)))
    if case is None or case.status != "fed_back":
        return

    def check() -> None:
        ok = rng.random() > 0.08
        c = _act(w, cast, case_id, "check", Role.COLLECTOR,
                 ActionInput(passed=ok, opinion="现场核查已处置" if ok else "现场仍有问题，未处置到位",
                             photos=_ph(photo)))
        if c is None:
            return
        if ok:
            _later(w, _mins(rng, 5, 90), lambda: _act(w, cast, case_id, "close", Role.SHIFT_LEADER,
                                                       ActionInput(opinion="核查通过，结案")))
        else:
            _schedule_disposal(w, cast, case_id, photo)

    _later(w, _mins(rng, 20, 150), check)



