"""Reference sections of the docs generated from code (``chengguan docs --write``); a test keeps them current."""

from __future__ import annotations

import re
from pathlib import Path

START, END = "<!-- generated:settings:start -->", "<!-- generated:settings:end -->"


def settings_markdown() -> str:
    from fastapi import FastAPI

    import chengguan.routes
    from chengguan.core.config import Settings
    from chengguan.system.settings import REGISTRY

    chengguan.routes.load_all()
    chengguan.routes.include_all(FastAPI())  # page modules define settings too (e.g. the command map's)
    lines = ["### Environment (`CHENGGUAN_*`)", "", "| variable | default | meaning |", "|---|---|---|"]
    for name, f in Settings.model_fields.items():
        default = "（开发用默认值）" if name == "secret_key" else f.default
        lines.append(f"| `CHENGGUAN_{name.upper()}` | `{default}` | {f.description} |")
    lines += ["", "### Administrator settings (应用维护 → 系统设置, `PUT /api/v1/system/settings/{key}`)", "",
              "Defaults marked *unverified* are the project's reasonable defaults, not national standard values; "
              "a city should confirm them.", "", "| key | group | default | meaning |", "|---|---|---|---|"]
    for key, d in sorted(REGISTRY.items(), key=lambda kv: (kv[1].group, kv[0])):
        flag = "" if d.verified else " *(unverified)*"
        default = str(d.default).replace("|", "\\|")
        lines.append(f"| `{key}` | {d.group} | `{default}`{flag} | {d.help} |")
    return "\n".join(lines)


def render(path: Path) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    block = f"{START}\n{settings_markdown()}\n{END}"
    new = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    return text, new
