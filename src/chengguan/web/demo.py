"""Demo content for the consoles, loaded after the simulated history: a working day in progress, so that
every role finds something to do on first login — fresh reports from every channel for the acceptor,
核实/核查 tasks for collector1, registered cases for the dispatcher, cases (one with a pending 延期
request) for dept1, cases waiting for 结案, a 督办 case — and the collectors' last positions.

Everything goes through the real services and workflow actions under a frozen clock (staggered over
the last hours), so the event log is what production would have written."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.accounts import service as accounts
from chengguan.accounts.models import User
from chengguan.accounts.principal import Principal
from chengguan.cases import actions, service
from chengguan.cases.actions import ActionInput
from chengguan.cases.models import Case
from chengguan.core import clock
from chengguan.core.errors import AppError
from chengguan.geo.models import ResponsibilityAssignment, ResponsibilityGridCell, UnitGrid
from chengguan.positions.models import UserPosition

INBOX = [
    ("hotline", "06010", "市民来电：小区门口垃圾堆放两天无人清运", {"hotline_no": "12345-208811"}),
    ("public", "09009", "人行道上长期停放一辆无牌轿车", None),
    ("video", "09006", "视频巡查发现：路口流动摊贩占道经营", {"camera_id": "HM-CAM-0137", "confidence": 0.93}),
    ("media", "01037", "报社转来：学校门口路灯连续一周不亮", None),
    ("hotline", "07001", "市民来电：公交站台张贴大量小广告", {"hotline_no": "12345-208835"}),
    ("public", "03005", "公园入口垃圾箱破损，垃圾外溢", None),
    ("video", "09005", "视频巡查发现：店铺出店经营，货架摆上人行道", {"camera_id": "HM-CAM-0214", "confidence": 0.88}),
    ("hotline", "06036", "市民来电：楼道口堆放杂物影响通行", {"hotline_no": "12345-208902"}),
]
PATROL = [("09006", "早点摊占用人行道经营"), ("06010", "绿化带内有生活垃圾"), ("01001", "供水井盖破损，有安全隐患"),
          ("06012", "路面有油污，道路不洁"), ("09009", "机动车停在盲道上"), ("07001", "电线杆上张贴小广告")]


class _Desk:
    """The demo people and a clock that advances a few minutes per step (never past now)."""

    def __init__(self, session: Session, users: dict[str, User], seed: int) -> None:
        self.session = session
        self.rng = random.Random(seed + 404)
        self.p = {name: accounts.principal_for(u) for name, u in users.items()}
        self.now = clock.now()
        self.t = self.now - timedelta(hours=3)
        self.photo = _photo(session)
        self.mine = _grids_of(session, users["collector1"].id)
        self.city = [g for (g,) in session.execute(select(UnitGrid.code).where(UnitGrid.region_class == 1)
                                                   .order_by(UnitGrid.code).limit(2000))]
        self.mine = self.mine or self.city[:20]
        self._geoms: dict[str, Any] = {}

    def step(self, minutes: float) -> Any:
        self.t += timedelta(minutes=minutes)
        return clock.frozen(min(self.t, self.now - timedelta(minutes=1)))

    def point(self, grid: str) -> tuple[float, float]:
        from chengguan.demo.history import _point_in

        if grid not in self._geoms:
            self._geoms[grid] = self.session.scalar(select(UnitGrid.geom).where(UnitGrid.code == grid))
        return _point_in(self._geoms[grid], self.rng)

    def report(self, who: str | None, channel: str, code: str, text: str, grid: str | None = None,
               source: dict[str, Any] | None = None, minutes: float = 5) -> int | None:
        lon, lat = self.point(grid or self.rng.choice(self.mine))
        anonymous = who is None
        try:
            with self.step(minutes), self.session.begin_nested():
                case, _ = service.create_report(self.session, service.ReportInput(
                    category_code=code, description=text, lon=lon, lat=lat, channel=channel, photos=[self.photo],
                    source=source, reporter_name=self.rng.choice(["王先生", "李女士", "陈女士"]) if anonymous else None,
                    reporter_phone=f"139{self.rng.randint(10000000, 99999999)}" if anonymous else None),
                    None if who is None else self.p.get(who))
            return case.id
        except AppError:
            return None

    def act(self, case_id: int | None, action: str, who: str | None, minutes: float = 4, **body: Any) -> bool:
        if case_id is None or who is None or who not in self.p:
            return False
        try:
            with self.step(minutes), self.session.begin_nested():
                actions.perform(self.session, case_id, action, ActionInput(**body), self.p[who])
            return True
        except AppError:
            return False


def live_desk(session: Session, scale: str, seed: int) -> None:
    users = {u.username: u for u in session.scalars(select(User).where(User.is_demo.is_(True)))}
    if not {"collector1", "acceptor1", "shiftlead1", "dispatcher1", "dept1", "leader1"} <= set(users):
        return
    d = _Desk(session, users, seed)
    # 核实 tasks for collector1: a public and a hotline report in his grids.
    d.report(None, "public", "09006", "群众反映：路口有人摆摊卖水果", minutes=7)
    d.report("acceptor1", "hotline", "06010", "市民来电：河边有人倾倒建筑垃圾", minutes=7)
    # The acceptor's inbox: reports from every channel across the city, and fresh patrol reports.
    for channel, code, text, source in INBOX:
        d.report(None if channel == "public" else "acceptor1", channel, code, text, d.rng.choice(d.city), source)
    for code, text in PATROL[:3]:
        d.report("collector1", "patrol", code, text)
    # Registered, waiting for dispatch.
    for code, text in PATROL[3:]:
        d.act(d.report("collector1", "patrol", code, text), "register", "shiftlead1", opinion="符合立案条件")
    _department_work(d)
    _awaiting_close(d)
    _positions(session, d.rng, d.now)


def _department_work(d: _Desk) -> None:
    """dept1's 占道经营 cases: one asks for an extension, one is urged by a leader, one is fed back (→ 核查)."""
    dept_id = next((g.department_id for g in d.p["dept1"].grants if g.department_id), None)
    texts = ["人行道上有流动摊贩占道经营", "夜市摊点占用人行道", "水果摊占道经营", "早点摊占用盲道"]
    for i, text in enumerate(texts):
        cid = d.report("collector1", "patrol", "09006", text)
        d.act(cid, "register", "shiftlead1", minutes=3, opinion="符合立案条件")
        d.act(cid, "dispatch", "dispatcher1", department_id=dept_id, opinion="请按时处置")
        if i == 1:
            d.act(cid, "request-extension", "dept1", minutes=10, hours=8, opinion="摊主较多，需联合执法，申请延期")
        elif i == 2:
            d.act(cid, "urge", "leader1", minutes=6, opinion="群众反映强烈，请抓紧处理并反馈")
        elif i == 3:
            d.act(cid, "feedback", "dept1", minutes=20, photos=[d.photo], opinion="已劝离摊贩并清理现场")


def _awaiting_close(d: _Desk) -> None:
    for code, text in (("06010", "路边有暴露垃圾未清运"), ("07001", "墙面喷涂办证小广告")):
        cid = d.report("collector1", "patrol", code, text)
        d.act(cid, "register", "shiftlead1", minutes=3)
        d.act(cid, "dispatch", "dispatcher1", minutes=3)
        case = d.session.get(Case, cid) if cid else None
        d.act(cid, "feedback", _handler_of(case, d.p) if case else None, minutes=15, photos=[d.photo],
              opinion="已处理完毕")
        d.act(cid, "check", "collector1", minutes=8, passed=True, photos=[d.photo], opinion="现场核查，已处理")


def _handler_of(case: Any, p: dict[str, Principal]) -> str | None:
    active = [a.department_id for a in case.assignments if a.state == "active"]
    for name, pr in p.items():
        if any(g.department_id in active for g in pr.grants if g.role == "dept_handler"):
            return name
    return None


def _grids_of(session: Session, user_id: int) -> list[str]:
    return [g for (g,) in session.execute(
        select(ResponsibilityGridCell.grid_code).join(
            ResponsibilityAssignment, ResponsibilityAssignment.responsibility_grid_id
            == ResponsibilityGridCell.responsibility_grid_id).where(ResponsibilityAssignment.user_id == user_id))]


def _positions(session: Session, rng: random.Random, now: Any) -> None:
    """Each collector's last fix: somewhere in his responsibility grid, minutes ago."""
    from chengguan.demo.history import _point_in

    rows: list[Any] = list(session.execute(
        select(ResponsibilityAssignment.user_id, ResponsibilityGridCell.grid_code, UnitGrid.geom)
        .join(ResponsibilityGridCell, ResponsibilityGridCell.responsibility_grid_id
              == ResponsibilityAssignment.responsibility_grid_id)
        .join(UnitGrid, UnitGrid.code == ResponsibilityGridCell.grid_code)
        .order_by(ResponsibilityAssignment.user_id, ResponsibilityGridCell.grid_code)).all())
    per_user: dict[int, list[tuple[str, Any]]] = {}
    for uid, code, geom in rows:
        per_user.setdefault(uid, []).append((code, geom))
    for uid, cells in per_user.items():
        code, geom = rng.choice(cells)
        x, y = _point_in(geom, rng)
        session.merge(UserPosition(user_id=uid, lon=x, lat=y, grid_code=code, accuracy_m=round(rng.uniform(5, 30), 1),
                                   at=now - timedelta(minutes=rng.uniform(1, 50)), source="app"))
    session.flush()


def _photo(session: Session) -> str:
    from chengguan.demo.history import _demo_photo

    tok = _demo_photo(session)
    assert tok is not None
    return tok
