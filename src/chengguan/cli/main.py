"""The ``chengguan`` command: serve, database, demo data, users, import/export, calendar, worker."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

import chengguan.core.registry  # noqa: F401  (every model mapped before any command runs)
from chengguan.core.config import get_settings

app = typer.Typer(help="chengguan 城管平台命令行", no_args_is_help=True, pretty_exceptions_show_locals=False)
db_app = typer.Typer(help="数据库迁移 (Alembic)", no_args_is_help=True)
demo_app = typer.Typer(help="演示城市", no_args_is_help=True)
user_app = typer.Typer(help="用户与角色", no_args_is_help=True)
import_app = typer.Typer(help="导入基础数据（GeoJSON / CSV）", no_args_is_help=True)
export_app = typer.Typer(help="导出基础数据（GeoJSON / CSV）", no_args_is_help=True)
calendar_app = typer.Typer(help="工作日历（节假日、调休）", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(calendar_app, name="calendar")
app.add_typer(__import__("chengguan.audit.cli", fromlist=["app"]).app, name="audit")  # 执法全过程记录 verify

console = Console()
err = Console(stderr=True)
T = TypeVar("T")


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]错误：[/red]{message}")
    raise typer.Exit(code)


def _run_app_error(fn: Callable[[], T]) -> T:
    """Print AppErrors (bad input) as a clear message and a non-zero exit, not a traceback."""
    from chengguan.core.errors import AppError

    try:
        return fn()
    except AppError as exc:
        err.print(f"[red]错误：[/red]{exc.message}")
        if exc.details:
            details = exc.details if isinstance(exc.details, list) else [exc.details]
            for d in details[:50]:
                err.print(f"  - {d}")
            if isinstance(exc.details, list) and len(exc.details) > 50:
                err.print(f"  … 另有 {len(exc.details) - 50} 项")
        raise typer.Exit(2) from None


# ---------------------------------------------------------------- serve


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="绑定地址")] = None,
    port: Annotated[int | None, typer.Option(help="端口")] = None,
    workers: Annotated[int | None, typer.Option(help="进程数")] = None,
    reload: Annotated[bool, typer.Option(help="代码变更时自动重启（开发用）")] = False,
) -> None:
    """Serve the platform (API and consoles)."""
    import uvicorn

    from chengguan.core import db, migrate

    s = get_settings()
    if not migrate.is_up_to_date(db.get_engine()):
        _fail("数据库结构不是最新版本：请先运行 `chengguan db upgrade`")
    uvicorn.run("chengguan.app:create_app", factory=True, host=host or s.host, port=port or s.port,
                workers=workers or s.workers, reload=reload, log_level=s.log_level.lower(), proxy_headers=True)


@app.command()
def up(
    scale: Annotated[str, typer.Option(help="演示城市规模 small|city|large")] = "",
    port: Annotated[int | None, typer.Option(help="端口")] = None,
) -> None:
    """`make run`: migrate, load the demo city if the database is empty, print the logins, serve."""
    from chengguan.core import db, migrate

    s = get_settings()
    t0 = time.monotonic()
    if not migrate.is_up_to_date(db.get_engine()):
        console.print("迁移数据库 …")
        migrate.upgrade()
    from chengguan.demo import state

    if state.is_empty():
        if not s.demo_allowed:
            _fail("生产模式下不加载演示数据；请导入本市数据后再启动（chengguan import …）")
        from chengguan.demo import loader

        loader.load(scale=scale or s.demo_scale, seed=2026, progress=True)
    if s.demo_allowed and state.has_demo_accounts():
        _print_logins(s.host, port or s.port)
    console.print(f"准备用时 {time.monotonic() - t0:.1f} 秒")
    serve(host=None, port=port, workers=None, reload=False)


def _print_logins(host: str, port: int) -> None:
    from chengguan.demo.state import DEMO_LOGINS

    console.rule("[bold]chengguan 演示城市")
    console.print(f"地址：[bold cyan]http://{host}:{port}/[/bold cyan]   （API 文档：/docs）")
    console.print("演示账号（密码均为 [bold]demo[/bold]）：")
    for username, label in DEMO_LOGINS:
        console.print(f"  {username:<12} {label}")
    console.rule()


# ---------------------------------------------------------------- db


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from chengguan.core import migrate

    migrate.upgrade(revision=revision)
    console.print("数据库已是最新版本")


@db_app.command("downgrade")
def db_downgrade(revision: str = "-1") -> None:
    """Revert migrations down to REVISION (default: one step)."""
    from chengguan.core import migrate

    migrate.downgrade(revision=revision)
    console.print(f"已回退到 {revision}")


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision and whether it is up to date."""
    from chengguan.core import db, migrate

    engine = db.get_engine()
    cur, heads = migrate.current(engine), migrate.heads(str(engine.url))
    console.print(f"当前：{', '.join(sorted(cur)) or '（空库）'}   最新：{', '.join(sorted(heads))}")
    console.print("[green]已是最新[/green]" if cur == heads else "[yellow]需要升级：chengguan db upgrade[/yellow]")


# ---------------------------------------------------------------- demo


@demo_app.command("load")
def demo_load(
    scale: Annotated[str, typer.Option(help="small | city | large")] = "city",
    seed: Annotated[int, typer.Option(help="随机种子（同一种子生成同一城市）")] = 2026,
    force: Annotated[bool, typer.Option(help="数据库非空时也加载（先清空演示数据）")] = False,
    history_days: Annotated[int, typer.Option(help="模拟的历史天数（0 表示不模拟）")] = -1,
) -> None:
    """Load the synthetic demo city (海门-like) with accounts and history."""
    from chengguan.core import db, migrate
    from chengguan.demo import loader, state

    if not get_settings().demo_allowed:
        _fail("生产模式下不能加载演示数据")
    if scale not in ("small", "city", "large"):
        _fail("--scale 只能是 small、city 或 large")
    if not migrate.is_up_to_date(db.get_engine()):
        migrate.upgrade()
    if not state.is_empty() and not force:
        _fail("数据库中已有数据；如需重新加载请加 --force（会清空现有数据）")
    _run_app_error(lambda: loader.load(scale=scale, seed=seed, progress=True, wipe=force,
                                       history_days=None if history_days < 0 else history_days))


@demo_app.command("bulk")
def demo_bulk(
    cases: Annotated[int, typer.Option(help="生成的历史案卷数")] = 100_000,
    days: Annotated[int, typer.Option(help="历史跨度（天，截至现在）")] = 365,
    seed: Annotated[int, typer.Option(help="随机种子")] = 7,
) -> None:
    """Add simulated closed-loop history in bulk (benchmarks: 1M cases in minutes). Needs a loaded city."""
    from rich.progress import Progress

    from chengguan.core.db import session_scope
    from chengguan.demo import bulk

    if not get_settings().demo_allowed:
        _fail("生产模式下不能生成演示数据")
    if cases <= 0 or days <= 0:
        _fail("--cases 和 --days 必须为正数")

    def go() -> None:
        with Progress(console=console) as bar, session_scope() as s:
            task = bar.add_task("生成历史案卷", total=cases)
            res = bulk.generate(s, cases=cases, days=days, seed=seed, progress=lambda n: bar.advance(task, n))
        console.print(f"已生成 {res.cases:,} 件案卷、{res.events:,} 条流转记录，用时 {res.seconds:.1f} 秒")
        console.print("  " + "，".join(f"{k} {v:,}" for k, v in sorted(res.by_status.items())))

    _run_app_error(go)


# ---------------------------------------------------------------- users


def _parse_grant(spec: str) -> tuple[str, str | None, int | None]:
    """``role[@region][#department_id]`` e.g. ``collector@320614001``, ``dept_handler#12``."""
    dept = None
    if "#" in spec:
        spec, d = spec.split("#", 1)
        dept = int(d)
    region = None
    if "@" in spec:
        spec, region = spec.split("@", 1)
    return spec, region, dept


@user_app.command("create")
def user_create(
    username: str,
    name: Annotated[str, typer.Option(help="姓名")],
    role: Annotated[list[str], typer.Option(help="角色[@区域编码][#部门ID]，可重复")] = [],  # noqa: B006
    password: Annotated[str | None, typer.Option(help="密码（不给则交互输入）")] = None,
    department: Annotated[int | None, typer.Option(help="所属部门 ID")] = None,
) -> None:
    """Create a user with roles."""
    from chengguan.accounts import service
    from chengguan.core.db import session_scope

    pw = password or typer.prompt("密码", hide_input=True, confirmation_prompt=True)

    def go() -> None:
        with session_scope() as s:
            u = service.create_user(s, username=username, display_name=name, password=pw,
                                    grants=[_parse_grant(r) for r in role], department_id=department)
            console.print(f"已创建用户 {u.username}（ID {u.id}）")

    _run_app_error(go)


@user_app.command("set-password")
def user_set_password(username: str,
                      password: Annotated[str | None, typer.Option()] = None) -> None:
    """Set a user's password (logs out their sessions and tokens)."""
    from chengguan.accounts import service
    from chengguan.core.db import session_scope

    pw = password or typer.prompt("新密码", hide_input=True, confirmation_prompt=True)

    def go() -> None:
        with session_scope() as s:
            service.set_password(s, service.by_username(s, username), pw)
        console.print("密码已更新")

    _run_app_error(go)


@user_app.command("roles")
def user_roles(
    username: str,
    set_: Annotated[list[str], typer.Option("--set", help="替换为这些角色（角色[@区域][#部门ID]）")] = [],  # noqa: B006
) -> None:
    """Show a user's roles, or replace them with --set."""
    from chengguan.accounts import service
    from chengguan.accounts.roles import ROLE_LABELS, Role
    from chengguan.core.db import session_scope

    def go() -> None:
        with session_scope() as s:
            u = service.by_username(s, username)
            if set_:
                service.set_roles(s, u, [_parse_grant(r) for r in set_])
            for r in u.roles:
                label = ROLE_LABELS.get(Role(r.role), r.role)
                console.print(f"{r.role:<16}{label:<8} 区域 {r.region_code or '全市'}  部门 {r.department_id or '—'}")

    _run_app_error(go)


# ---------------------------------------------------------------- import / export


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        _fail(f"文件不存在：{path}")
    except json.JSONDecodeError as exc:
        _fail(f"{path} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列 {exc.msg}")
    return None


@import_app.command("grids")
def import_grids(
    file: Path,
    replace: Annotated[bool, typer.Option(help="文件为全市网格：不在文件中的现有网格将被停用，并检查全市覆盖")] = False,
) -> None:
    """Import unit grids from GeoJSON (all-or-nothing, with a report of offending grids)."""
    from chengguan.core.db import session_scope
    from chengguan.geo import service

    fc = _read_json(file)

    def go() -> None:
        with session_scope() as s:
            r = service.import_grids(s, fc, replace=replace)
        console.print(f"网格导入完成：新增 {r.created}，更新 {r.updated}")

    _run_app_error(go)


@import_app.command("components")
def import_components(file: Path) -> None:
    """Import components (部件) from GeoJSON points or CSV with the GB/T 47678.5 fields."""
    from chengguan.core.db import session_scope
    from chengguan.geo import io

    def go() -> None:
        with session_scope() as s:
            r = io.import_components(s, file, progress=True)
        console.print(f"部件导入完成：新增 {r.created}，更新 {r.updated}")

    _run_app_error(go)


@import_app.command("addresses")
def import_addresses(file: Path) -> None:
    """Import gazetteer entries (roads, door plates, POIs, 地片/区片) from GeoJSON or CSV."""
    from chengguan.core.db import session_scope
    from chengguan.geo import io

    def go() -> None:
        with session_scope() as s:
            r = io.import_addresses(s, file, progress=True)
        console.print(f"地址导入完成：新增 {r.created}，更新 {r.updated}")

    _run_app_error(go)


@export_app.command("grids")
def export_grids(out: Path, format: Annotated[str, typer.Option(help="geojson | csv")] = "geojson") -> None:
    """Export current unit grids."""
    from chengguan.core.db import session_scope
    from chengguan.geo import io

    with session_scope(read_only=True) as s:
        n = io.export_grids(s, out, format)
    console.print(f"已导出 {n} 个网格到 {out}")


@export_app.command("components")
def export_components(out: Path, format: Annotated[str, typer.Option(help="geojson | csv")] = "csv") -> None:
    """Export the component inventory."""
    from chengguan.core.db import session_scope
    from chengguan.geo import io

    with session_scope(read_only=True) as s:
        n = io.export_components(s, out, format, progress=True)
    console.print(f"已导出 {n} 个部件到 {out}")


@export_app.command("addresses")
def export_addresses(out: Path, format: Annotated[str, typer.Option(help="geojson | csv")] = "csv") -> None:
    """Export the address gazetteer."""
    from chengguan.core.db import session_scope
    from chengguan.geo import io

    with session_scope(read_only=True) as s:
        n = io.export_addresses(s, out, format)
    console.print(f"已导出 {n} 条地址到 {out}")


# ---------------------------------------------------------------- calendar


@calendar_app.command("sync")
def calendar_sync(
    years: Annotated[str | None, typer.Option(help="年份范围，如 2024-2027（默认：去年到明年）")] = None,
) -> None:
    """Seed holidays and makeup working days from the chinese-calendar package."""
    from chengguan.core import clock
    from chengguan.core.db import session_scope
    from chengguan.worktime import service

    if years:
        a, _, b = years.partition("-")
        span = range(int(a), int(b or a) + 1)
    else:
        y = clock.today_local().year
        span = range(y - 1, y + 2)
    with session_scope() as s:
        report = service.sync_from_package(s, list(span))
    for year, ok in sorted(report.items()):
        console.print(f"{year}：" + ("[green]已同步[/green]" if ok else
                                     "[yellow]软件包无该年数据，按周一至周五计算，请管理员录入国务院通知[/yellow]"))


# ---------------------------------------------------------------- worker and settings


@app.command()
def worker(once: Annotated[bool, typer.Option(help="处理一轮后退出")] = False) -> None:
    """Deliver the outbox and run scheduled jobs (deadline warnings, bulletins …)."""
    from chengguan.jobs import runner

    runner.run(once=once)


@app.command("settings")
def settings_help() -> None:
    """List the environment settings (CHENGGUAN_*) with their help texts and current values."""
    from chengguan.core.config import Settings

    s = get_settings()
    for name, f in Settings.model_fields.items():
        val = getattr(s, name)
        if name == "secret_key":
            val = "（已设置）" if val else "（未设置）"
        console.print(f"[bold]CHENGGUAN_{name.upper()}[/bold] = {val}\n    {f.description}")


@app.command("docs")
def docs_cmd(
    write: Annotated[bool, typer.Option(help="写回 docs/operations.md")] = False,
    path: Annotated[Path, typer.Option(help="文档路径")] = Path("docs/operations.md"),
) -> None:
    """Regenerate the settings reference in docs/operations.md (``--write``) or check it is current."""
    from chengguan.system import docs

    old, new = docs.render(path)
    if write:
        path.write_text(new, encoding="utf-8")
        console.print(f"已更新 {path}")
    elif old != new:
        _fail(f"{path} 的设置说明已过期：运行 chengguan docs --write")
    else:
        console.print("文档是最新的")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
