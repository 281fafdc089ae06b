"""``chengguan audit verify [--stream X]``: check the 执法全过程记录 hash chains."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(help="执法全过程记录（哈希链）", no_args_is_help=True)
console = Console()


@app.command("verify")
def verify(stream: Annotated[str | None, typer.Option("--stream", help="只检查这一条链（如 enf_case:12）")] = None,
           quiet: Annotated[bool, typer.Option("--quiet", help="只输出有问题的链")] = False) -> None:
    """Recompute every entry's hash and check seq, links and chain heads. Exit 1 if anything is wrong."""
    from chengguan.audit import service
    from chengguan.core import db

    with db.session_scope(read_only=True) as s:
        reports = service.verify(s, stream)
        bad = [r for r in reports if not r.ok]
        for r in reports:
            if r.ok and quiet:
                continue
            mark = "[green]完好[/green]" if r.ok else "[red]异常[/red]"
            console.print(f"{mark} {r.stream}：{r.entries} 条，链头 {r.last_seq}")
            for p in r.problems:
                console.print(f"    [red]{p.kind}[/red] 第 {p.seq if p.seq is not None else '—'} 条：{p.message}")
        if stream is not None and not reports:
            console.print(f"[red]没有这条链：{stream}[/red]")
            raise typer.Exit(2)
    console.print(f"共检查 {len(reports)} 条链，{len(bad)} 条异常")
    if bad:
        raise typer.Exit(1)
