"""Load the synthetic demo city into the database: divisions, grids, responsibility grids, the
gazetteer, components, departments, the routing table, the demo accounts and (optionally) a few
months of simulated case history. Everything is synthetic and says so (city name "…（演示）")."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from pyproj import Geod
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from chengguan.accounts.models import User, UserRole
from chengguan.accounts.roles import Role
from chengguan.catalog.models import Category, Component, RoutingRule
from chengguan.catalog.seed import seed_catalog
from chengguan.catalog.service import catalog_changed
from chengguan.core import clock, db, security
from chengguan.demo import citygen, extensions
from chengguan.demo.state import DEMO_LOGINS, has_demo_accounts, is_empty  # noqa: F401  (re-exported)
from chengguan.geo import service as geo
from chengguan.geo.models import (
    Division,
    Place,
    ResponsibilityAssignment,
    ResponsibilityGrid,
    ResponsibilityGridCell,
    UnitGrid,
)
from chengguan.org.models import Department
from chengguan.system import settings as cfg
from chengguan.worktime import service as worktime

console = Console()
DEMO_PASSWORD = "demo"


# Who holds which role over what region (the district code: the whole demo city).
REGIONAL_ROLES = {Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.LEADER, Role.ADMIN, Role.ASSESSOR,
                  Role.OFFICER, Role.AUXILIARY, Role.LEGAL_REVIEWER}

_GEOD = Geod(ellps="WGS84")
BATCH = 5000


@dataclass
class DemoContext:
    """What domain demo loaders get: the generated city, the departments and demo users by key."""

    city: citygen.City
    departments: dict[str, Department]
    users: dict[str, User]
    seed: int
    scale: str


def load(scale: str = "city", seed: int = 2026, progress: bool = True, wipe: bool = False,
         history_days: int | None = None) -> dict[str, Any]:
    """Generate and load the demo city. ``history_days`` of simulated cases (default: 90 at city scale,
    none for large — the benchmark generator fills that)."""
    from chengguan.core import migrate

    t0 = time.monotonic()
    if wipe:
        migrate.downgrade(revision="base")
        migrate.upgrade()
    say = console.print if progress else (lambda *a, **k: None)
    say(f"生成演示城市（规模 {scale}，种子 {seed}）…")
    city = citygen.generate_city(scale, seed)  # type: ignore[arg-type]
    say(f"  {len(city.streets)} 个街道/镇，{len(city.communities)} 个社区/村，{len(city.grids)} 个单元网格，"
        f"{len(city.components)} 个部件（{time.monotonic() - t0:.1f} 秒）")
    stats: dict[str, Any] = {}
    with db.session_scope() as s:
        _settings(s, city)
        worktime.sync_from_package(s, list(range(2024, clock.local(clock.now()).year + 2)))
        stats["catalog"] = seed_catalog(s)
        _divisions(s, city)
        _grids(s, city, progress)
        depts = _departments(s, city)
        users = _people(s, city, depts)
        _responsibility(s, city, users)
        _routing(s, city, depts)
        _gazetteer(s, city, progress)
        _components(s, city, depts, progress)
        geo.bump_version(s)
        ctx = DemoContext(city=city, departments=depts, users=users, seed=seed, scale=scale)
        for ext in extensions.load_all():
            ext(s, ctx)
    geo.invalidate()
    days = history_days if history_days is not None else (90 if scale != "large" else 0)
    if days > 0:
        from chengguan.demo import history

        stats["history"] = history.simulate(days=days, seed=seed, progress=progress,
                                            per_day=_cases_per_day(scale))
    after = extensions.load_after_history()
    if after:
        with db.session_scope() as s:
            for ext in after:
                ext(s, scale, seed)
    stats["seconds"] = round(time.monotonic() - t0, 1)
    say(f"演示城市加载完成（{stats['seconds']} 秒）")
    return stats


def _cases_per_day(scale: str) -> int:
    return {"small": 12, "city": 24, "large": 60}.get(scale, 24)


def _chunks(it: Iterable[dict[str, Any]], n: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    buf: list[dict[str, Any]] = []
    for row in it:
        buf.append(row)
        if len(buf) >= n:
            yield buf
            buf = []
    if buf:
        yield buf


def _bar(enabled: bool) -> Progress:
    return Progress(TextColumn("  {task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), disable=not enabled, console=console)


def _area(g: Any) -> float:
    return abs(float(_GEOD.geometry_area_perimeter(g)[0]))


def _settings(s: Session, city: citygen.City) -> None:
    cfg.set_value(s, "city.name", city.name)
    cfg.set_value(s, "city.district_code", city.district_code)
    cfg.set_value(s, "city.center", [round(city.center[0], 6), round(city.center[1], 6)])


def _divisions(s: Session, city: citygen.City) -> None:
    start = date(2020, 1, 1)
    rows = [{"code": city.district_code, "level": "district", "name": city.name, "parent_code": None,
             "kind": "区", "geom": city.outline, "area_m2": _area(city.outline), "valid_from": start}]
    rows += [{"code": st.code, "level": "street", "name": st.name, "parent_code": city.district_code,
              "kind": st.kind, "geom": st.polygon, "area_m2": _area(st.polygon), "valid_from": start}
             for st in city.streets]
    rows += [{"code": c.code, "level": "community", "name": c.name, "parent_code": c.street_code, "kind": c.kind,
              "geom": c.polygon, "area_m2": _area(c.polygon), "valid_from": start} for c in city.communities]
    now = clock.now()
    for r in rows:
        r.update(created_at=now, updated_at=now, valid_to=None)
    s.execute(insert(Division), rows)


def _grids(s: Session, city: citygen.City, progress: bool) -> None:
    now = clock.now()

    def rows() -> Iterator[dict[str, Any]]:
        for g in city.grids:
            minx, miny, maxx, maxy = g.polygon.bounds
            yield {"code": g.code, "community_code": g.community_code, "street_code": g.code[:9],
                   "district_code": g.code[:6], "name": g.name, "geom": g.polygon, "area_m2": g.area_m2,
                   "region_class": g.region_class, "land_use": None, "min_lon": minx, "min_lat": miny,
                   "max_lon": maxx, "max_lat": maxy, "valid_from": g.valid_from, "valid_to": None,
                   "created_at": now, "updated_at": now}

    with _bar(progress) as bar:
        task = bar.add_task("单元网格", total=len(city.grids))
        for chunk in _chunks(rows()):
            s.execute(insert(UnitGrid), chunk)
            bar.advance(task, len(chunk))


def _departments(s: Session, city: citygen.City) -> dict[str, Department]:
    out: dict[str, Department] = {}
    for d in city.departments:  # parents come before children in the generator's order
        dept = Department(key=d.key, name=d.name, short_name=d.short_name, uscc=d.uscc, level=d.level, kind=d.kind,
                          type_key=d.type_key, parent_id=out[d.parent_key].id if d.parent_key in out else None,
                          region_code=d.region_code, is_active=True)
        s.add(dept)
        s.flush()
        out[d.key] = dept
    return out


def _people(s: Session, city: citygen.City, depts: dict[str, Department]) -> dict[str, User]:
    # One argon2 hash for every demo account (same password): hashing each would take minutes at scale.
    pw_hash = security.hash_password(DEMO_PASSWORD)
    rgrid_street = {r.code: r.street_code for r in city.responsibility_grids}
    users: dict[str, User] = {}
    for person in city.people:
        dept = depts.get(person.department_key) if person.department_key else None
        u = User(username=person.username, display_name=person.name, password_hash=pw_hash,
                 department_id=dept.id if dept else None, is_demo=True, is_active=True, token_version=1)
        role = person.role
        if role == Role.COLLECTOR:
            region: str | None = rgrid_street.get(person.responsibility_grid_code or "", city.district_code)
            u.roles = [UserRole(role=role, region_code=region)]
        elif role == Role.DEPT_HANDLER:
            u.roles = [UserRole(role=role, region_code=None, department_id=dept.id if dept else None)]
        elif role in REGIONAL_ROLES:
            region = dept.region_code if dept is not None and dept.level == "street" else city.district_code
            u.roles = [UserRole(role=role, region_code=region, department_id=dept.id if dept else None)]
        else:
            u.roles = [UserRole(role=role, region_code=None)]
        s.add(u)
        users[person.username] = u
    s.flush()
    return users


def _responsibility(s: Session, city: citygen.City, users: dict[str, User]) -> None:
    ids: dict[str, int] = {}
    for r in city.responsibility_grids:
        rg = ResponsibilityGrid(code=r.code, name=r.name, street_code=r.street_code)
        s.add(rg)
        s.flush()
        ids[r.code] = rg.id
    cells = [{"responsibility_grid_id": ids[r.code], "grid_code": g} for r in city.responsibility_grids
             for g in r.grid_codes]
    for chunk in _chunks(cells):
        s.execute(insert(ResponsibilityGridCell), chunk)
    start = date(2024, 1, 1)
    for p in city.people:
        if p.responsibility_grid_code and p.username in users:
            s.add(ResponsibilityAssignment(responsibility_grid_id=ids[p.responsibility_grid_code],
                                           user_id=users[p.username].id, valid_from=start))
    s.flush()


def _routing(s: Session, city: citygen.City, depts: dict[str, Department]) -> None:
    """Routing table: each category to its department type's unit; street-type categories to the street
    office of the place (one region rule per street, used when no category rule is more specific)."""
    by_type: dict[str, Department] = {}
    for d in depts.values():
        if d.level != "street" and d.type_key and d.type_key not in by_type:
            by_type[d.type_key] = d
    street_office = {d.region_code: d for d in depts.values() if d.kind == "street" and d.level == "street"}
    rules = []
    for cat in s.scalars(select(Category).where(Category.kind == "matter")):
        t = cat.default_department_type
        if t and t != "street" and t in by_type:
            rules.append(RoutingRule(category_id=cat.id, department_id=by_type[t].id, priority=0,
                                     note=f"演示：{cat.name} → {by_type[t].name}"))
    for code, office in street_office.items():
        if office.region_code:
            rules.append(RoutingRule(region_code=code, department_id=office.id, priority=-1,
                                     note=f"演示：属地兜底 → {office.name}"))
    s.add_all(rules)
    s.flush()
    catalog_changed(s)


def _gazetteer(s: Session, city: citygen.City, progress: bool) -> None:
    now = clock.now()
    base = {"created_at": now, "updated_at": now, "valid_from": date(2020, 1, 1), "valid_to": None,
            "source": "demo", "number": None, "number_suffix": None, "road_id": None, "category": None}
    rows: list[dict[str, Any]] = []
    for st in city.streets:
        p = st.polygon.representative_point()
        rows.append({**base, "kind": "street", "name": st.name, "aliases": [], "lon": p.x, "lat": p.y, "geom": None,
                     "grid_code": None, "street_code": st.code, "community_code": None})
    for c in city.communities:
        p = c.polygon.representative_point()
        rows.append({**base, "kind": "community", "name": c.name, "aliases": [], "lon": p.x, "lat": p.y,
                     "geom": None, "grid_code": None, "street_code": c.street_code, "community_code": c.code})
    for z in city.zones:
        p = z.polygon.representative_point()
        rows.append({**base, "kind": "zone", "name": z.name, "aliases": list(z.aliases), "lon": p.x, "lat": p.y,
                     "geom": z.polygon, "grid_code": None, "street_code": None, "community_code": None})
    s.execute(insert(Place), rows)
    road_ids: dict[str, int] = {}
    for r in city.roads:
        mid = r.line.interpolate(0.5, normalized=True)
        place = Place(kind="road", name=r.name, aliases=list(r.aliases), category=r.kind, lon=mid.x, lat=mid.y,
                      geom=r.line, source="demo", valid_from=date(2020, 1, 1))
        s.add(place)
        s.flush()
        road_ids[r.id] = place.id
    with _bar(progress) as bar:
        task = bar.add_task("地址（门牌、兴趣点）", total=len(city.doors) + len(city.pois))

        def doors() -> Iterator[dict[str, Any]]:
            for d in city.doors:
                yield {**base, "kind": "door", "name": d.address, "aliases": [], "lon": d.lon, "lat": d.lat,
                       "geom": None, "grid_code": d.grid_code, "street_code": d.grid_code[:9],
                       "community_code": d.grid_code[:12], "road_id": road_ids.get(d.road_id), "number": d.number}
            for p in city.pois:
                kind = "block" if p.kind == "residential" else "poi"
                yield {**base, "kind": kind, "name": p.name, "aliases": list(p.aliases), "category": p.kind_name,
                       "lon": p.lon, "lat": p.lat, "geom": p.geometry if p.geometry.geom_type != "Point" else None,
                       "grid_code": p.grid_code, "street_code": p.grid_code[:9], "community_code": p.grid_code[:12]}

        for chunk in _chunks(doors()):
            s.execute(insert(Place), chunk)
            bar.advance(task, len(chunk))


def _components(s: Session, city: citygen.City, depts: dict[str, Department], progress: bool) -> None:
    names = {c.code: c.name for c in city.communities} | {st.code: st.name for st in city.streets}

    def rows() -> Iterator[dict[str, Any]]:
        for c in city.components:
            d = depts.get(c.dept_key)
            yield {"code": c.code, "name": c.name[:30], "category_code": c.category_code,
                   "competent_dept_code": d.uscc if d else None, "competent_dept_name": d.name if d else None,
                   "owner_code": d.uscc if d else None, "owner_name": d.name if d else None,
                   "maintainer_code": d.uscc if d else None, "maintainer_name": d.name if d else None,
                   "grid_code": c.grid_code, "status": c.status, "initial_date": c.initial_date,
                   "change_date": None, "data_source": c.data_source, "note": None,
                   "street_code": c.grid_code[:9], "street_name": names.get(c.grid_code[:9]),
                   "community_code": c.grid_code[:12], "community_name": names.get(c.grid_code[:12]),
                   "lon": c.lon, "lat": c.lat, "photo_ids": [], "version": 1}

    with _bar(progress) as bar:
        task = bar.add_task("部件", total=len(city.components))
        for chunk in _chunks(rows(), 10000):
            s.execute(insert(Component), chunk)
            bar.advance(task, len(chunk))



