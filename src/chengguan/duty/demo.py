"""Demo duty data (loaded after the simulated history): one joint squad (1 police + 2 auxiliary police +
2 城管 + 4 协管, seed 001) per responsibility grid on a day shift in progress (the 6 hours before the load
and the 6 after), a 24-hour duty and a standby shift per street, a GPS device per squad (its leader's) and
for collector1, with simulated tracks (one fix every 30 s) walking the squad's unit grids — one squad leaves
its area for 25 minutes, one stops reporting for 40 — on-post results and alerts computed, and two joint
operations (one closed with linked cases and results, one running with the squads)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from chengguan.accounts.models import User
from chengguan.cases.models import Case
from chengguan.core import clock
from chengguan.duty import service, tracks
from chengguan.duty.models import (
    DutyAssignment,
    DutyOperation,
    DutyOperationCase,
    DutyOperationTask,
    DutyShift,
    DutyShiftGrid,
    TrackDevice,
    TrackPoint,
)
from chengguan.geo.coords import metres_per_degree
from chengguan.geo.models import ResponsibilityGrid, ResponsibilityGridCell, UnitGrid
from chengguan.workforce.models import Person

SQUAD = [("police", "civil_servant", "民警"), ("aux_police", "auxiliary", "辅警"), ("aux_police", "auxiliary", "辅警"),
         ("chengguan", "civil_servant", "巡查队员"), ("chengguan", "civil_servant", "巡查队员"),
         ("xieguan", "auxiliary", "协管员"), ("xieguan", "auxiliary", "协管员"), ("xieguan", "auxiliary", "协管员"),
         ("xieguan", "auxiliary", "协管员")]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国海峰亮文斌波宁浩凯俊晨旭东林宇"
INTERVAL = 30.0


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _walk(rng: random.Random, polys: list[Any], t0: float, t1: float) -> tuple[list[float], list[float], list[float]]:
    """Fixes every INTERVAL s from t0 to t1 walking (≈1.2 m/s) between random points of the unit grids."""
    left = [shapely.point_on_surface(p) for p in polys]
    rng.shuffle(left)
    mx, my = metres_per_degree(left[0].y)
    pts = [left.pop()]
    while left:  # nearest-neighbour tour: short legs that stay inside the area, back and forth
        cur = pts[-1]
        k = min(range(len(left)), key=lambda j: ((left[j].x - cur.x) * mx) ** 2 + ((left[j].y - cur.y) * my) ** 2)
        pts.append(left.pop(k))
    pts += pts[-2:0:-1]
    ts, xs, ys = [], [], []
    t, k = t0, 0
    x, y = pts[0].x, pts[0].y
    while t < t1:
        tx, ty = pts[k % len(pts)].x, pts[k % len(pts)].y
        dx, dy = (tx - x) * mx, (ty - y) * my
        dist = (dx * dx + dy * dy) ** 0.5
        step = 1.2 * INTERVAL
        if dist <= step:
            x, y, k = tx, ty, k + 1
        else:
            x, y = x + dx / dist * step / mx, y + dy / dist * step / my
        ts.append(t)
        xs.append(x + rng.gauss(0, 3) / mx)
        ys.append(y + rng.gauss(0, 3) / my)
        t += INTERVAL
    return ts, xs, ys


def load(session: Session, scale: str, seed: int) -> None:
    rng = random.Random(seed + 550)
    now = clock.now()
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=6)
    end = start + timedelta(hours=12)
    rgrids = list(session.scalars(select(ResponsibilityGrid).order_by(ResponsibilityGrid.code)))
    if not rgrids:
        return
    cells: dict[int, list[str]] = {}
    for rg_id, code in session.execute(select(ResponsibilityGridCell.responsibility_grid_id,
                                              ResponsibilityGridCell.grid_code)):
        cells.setdefault(rg_id, []).append(code)
    geoms: dict[str, BaseGeometry] = dict(session.execute(select(UnitGrid.code, UnitGrid.geom).where(UnitGrid.valid_to.is_(None))).all())
    admin = session.scalar(select(User.id).where(User.username == "admin"))
    day_op = DutyOperation(title="城区联勤联动常态化巡控", kind="联勤巡控", goal="公安+城管联勤编组，网格化巡控，快速处置占道经营等问题",
                           region_code=rgrids[0].street_code[:6] if rgrids[0].street_code else "", grid_codes=[],
                           starts_at=start, ends_at=end, status="active", lead_agency="区城管执法局",
                           agencies=[{"name": "公安分局", "kind": "公安", "contact": "", "people": len(rgrids) * 3},
                                     {"name": "区城管执法局", "kind": "城管", "contact": "", "people": len(rgrids) * 6}],
                           teams=[], results={}, summary="", created_by=admin)
    session.add(day_op)
    session.flush()
    shifts: list[DutyShift] = []
    points: list[dict[str, Any]] = []
    n = 0
    for i, rg in enumerate(rgrids):
        members = []
        for j, (force, kind, post) in enumerate(SQUAD):
            n += 1
            p = Person(employee_no=f"QW{n:05d}", name=_name(rng), kind=kind, force=force, post=post, status="in_post",
                       street_code=rg.street_code)
            session.add(p)
            members.append((p, j == 3))  # the first 城管 leads the squad
        session.flush()
        s = DutyShift(name=f"{rg.name}联勤组", kind="joint", day=clock.local(start).date(), starts_at=start, ends_at=end,
                      region_code=rg.street_code or "", composition=service.composition_rule(session),
                      operation_id=day_op.id, note="", created_by=admin)
        s.grids = [DutyShiftGrid(responsibility_grid_id=rg.id)]
        s.members = [DutyAssignment(person_id=p.id, name=p.name, force=p.force, is_leader=lead, status="on_duty")
                     for p, lead in members]
        session.add(s)
        shifts.append(s)
        polys = [geoms[c] for c in sorted(cells.get(rg.id, [])) if c in geoms]
        if not polys:
            continue
        # The squad patrols together: the leader's phone every 30 s, the others' every 60 s, a few metres apart.
        ts, xs, ys = _walk(rng, polys, start.timestamp() + rng.uniform(0, 300), now.timestamp())
        if i == 1:  # leaves the area for 25 minutes, two hours ago
            out_pt = shapely.point_on_surface(geoms[min(set(geoms) - set(cells.get(rg.id, [])))])
            lo, hi = now.timestamp() - 7200, now.timestamp() - 7200 + 1500
            for k, t in enumerate(ts):
                if lo <= t < hi:
                    xs[k], ys[k] = out_pt.x, out_pt.y
        if i == 2:  # stops reporting for 40 minutes
            lo, hi = now.timestamp() - 5400, now.timestamp() - 5400 + 2400
            keep = [k for k, t in enumerate(ts) if not (lo <= t < hi)]
            ts, xs, ys = [ts[k] for k in keep], [xs[k] for k in keep], [ys[k] for k in keep]
        mx, my = metres_per_degree(ys[0]) if ys else (1.0, 1.0)
        for j, (p, lead) in enumerate(members):
            step = 1 if lead else 2
            dx, dy = rng.gauss(0, 4) / mx, rng.gauss(0, 4) / my
            _device(session, points, f"QW-{rg.code}-{j + 1}", p, rg.street_code, ts[::step],
                    [x + dx for x in xs[::step]], [y + dy for y in ys[::step]])
    shifts += _streets(session, rng, rgrids, start, n, cells, geoms, points)
    _collector(session, rng, cells, geoms, start, now, points)
    for k in range(0, len(points), 5000):
        # Core bulk INSERT; the declarative __table__ is typed FromClause.
        session.execute(insert(cast(Table, TrackPoint.__table__)), points[k:k + 5000])
    session.flush()
    service.compute_shifts(session, shifts, now=now)
    _closed_operation(session, rgrids, now, admin)


def _device(session: Session, points: list[dict[str, Any]], code: str, p: Person | None, region: str | None,
            ts: list[float], xs: list[float], ys: list[float], user: User | None = None) -> None:
    dev = TrackDevice(code=code, kind="phone", person_id=p.id if p else None, user_id=user.id if user else None,
                      holder_name=p.name if p else (user.display_name if user else ""), force=p.force if p else None,
                      region_code=region, key_version=1, key_hint=tracks.key_hint(tracks.device_key(code, 1)),
                      is_active=True, last_point_at=datetime.fromtimestamp(ts[-1], UTC) if ts else None)
    session.add(dev)
    session.flush()
    points += [{"device_id": dev.id, "at": datetime.fromtimestamp(t, UTC), "user_id": dev.user_id, "lon": x, "lat": y,
                "accuracy_m": 5.0, "speed_mps": None} for t, x, y in zip(ts, xs, ys, strict=True)]


def _streets(session: Session, rng: random.Random, rgrids: list[ResponsibilityGrid], start: datetime, n: int,
             cells: dict[int, list[str]], geoms: dict[str, Any], points: list[dict[str, Any]]) -> list[DutyShift]:
    """Per street: a 24-hour duty (值守) by a 城管 officer and a standby (备勤) pair of 协管."""
    streets = sorted({r.street_code for r in rgrids if r.street_code})
    out: list[DutyShift] = []
    for k, street in enumerate(streets):
        rg = next(r for r in rgrids if r.street_code == street)
        people: list[Person] = []
        for force, kind, post in (("chengguan", "civil_servant", "值班员"), ("xieguan", "auxiliary", "协管员"),
                                  ("xieguan", "auxiliary", "协管员")):
            p = Person(employee_no=f"QW{n + 3 * k + len(people) + 1:05d}", name=_name(rng), kind=kind, force=force,
                       post=post, status="in_post", street_code=street)
            session.add(p)
            people.append(p)
        session.flush()
        day0 = clock.local(start).replace(hour=8, minute=0, second=0, microsecond=0)
        if day0 > clock.now():
            day0 -= timedelta(days=1)
        spot = shapely.point_on_surface(geoms[min(cells.get(rg.id, []))]) if cells.get(rg.id) else None
        if spot is not None:  # the 24-hour post: a fix a minute near the duty point
            t1 = clock.now().timestamp()
            ts = [day0.timestamp() + 60 * k for k in range(int((t1 - day0.timestamp()) // 60))]
            mx, my = metres_per_degree(spot.y)
            _device(session, points, f"ZS-{street}", people[0], street, ts,
                    [spot.x + rng.gauss(0, 5) / mx for _ in ts], [spot.y + rng.gauss(0, 5) / my for _ in ts])
        for name, kind, ps, span in (("24小时值守", "duty24", people[:1], 24), ("备勤组", "standby", people[1:], 24)):
            s = DutyShift(name=f"{name}", kind=kind, day=day0.date(), starts_at=day0, ends_at=day0 + timedelta(hours=span),
                          region_code=street, composition=None, note="")
            s.grids = [DutyShiftGrid(responsibility_grid_id=rg.id)] if kind == "duty24" else []
            s.members = [DutyAssignment(person_id=p.id, name=p.name, force=p.force, is_leader=False, status="on_duty")
                         for p in ps]
            session.add(s)
            out.append(s)
    session.flush()
    return out


def _collector(session: Session, rng: random.Random, cells: dict[int, list[str]], geoms: dict[str, Any],
               start: datetime, now: datetime, points: list[dict[str, Any]]) -> None:
    """collector1's phone: a day of his patrol, so playback by user works."""
    from chengguan.geo.models import ResponsibilityAssignment

    u = session.scalar(select(User).where(User.username == "collector1"))
    if u is None:
        return
    rg_id = session.scalar(select(ResponsibilityAssignment.responsibility_grid_id)
                           .where(ResponsibilityAssignment.user_id == u.id))
    polys = [geoms[c] for c in sorted(cells.get(rg_id or -1, [])) if c in geoms]
    if not polys:
        return
    rg = session.get(ResponsibilityGrid, rg_id)
    ts, xs, ys = _walk(rng, polys, start.timestamp(), now.timestamp())
    _device(session, points, "CGT-collector1", None, rg.street_code if rg else None, ts, xs, ys, user=u)

def _closed_operation(session: Session, rgrids: list[ResponsibilityGrid], now: datetime, admin: int | None) -> None:
    district = (rgrids[0].street_code or "")[:6]
    start = (now - timedelta(days=7)).replace(hour=18, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=3)
    op = DutyOperation(title="夜市占道经营专项整治", kind="专项整治", goal="集中整治城区夜市占道经营、店外经营和乱设摊点",
                       region_code=district, grid_codes=[], starts_at=start, ends_at=end, status="closed",
                       lead_agency="区城管执法局",
                       agencies=[{"name": "公安分局", "kind": "公安", "contact": "治安大队", "people": 12},
                                 {"name": "区城管执法局", "kind": "城管", "contact": "执法大队", "people": 30},
                                 {"name": "区市场监管局", "kind": "市场监管", "contact": "", "people": 6}],
                       teams=[{"name": "第一组", "leader": "执法大队长", "agency": "区城管执法局", "members": [],
                               "shift_id": None},
                              {"name": "第二组", "leader": "治安大队副大队长", "agency": "公安分局", "members": [],
                               "shift_id": None}],
                       results={"劝离摊点": 46, "暂扣物品": 12, "立案查处": 3}, summary="三晚集中整治，夜市秩序明显好转。",
                       created_by=admin)
    op.tasks = [DutyOperationTask(title="人民路夜市清理", team="第一组", place="人民路", status="done", result="清理摊点 21 处"),
                DutyOperationTask(title="学校周边流动摊贩", team="第二组", place="学校周边", status="done", result="劝离 15 处")]
    session.add(op)
    session.flush()
    ids = list(session.scalars(select(Case.id).where(Case.category_code.in_(("09006", "09005")),
                                                     Case.reported_at >= start, Case.reported_at < end).limit(20)))
    for cid in ids:
        session.add(DutyOperationCase(operation_id=op.id, case_id=cid, linked_at=end))
    session.flush()

