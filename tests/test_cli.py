"""The chengguan command on a database of its own (subprocesses, like an operator would run it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def run(args, env, check=True):
    exe = Path(sys.executable).parent / "chengguan"
    r = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert r.returncode == 0, r.stdout + r.stderr
    return r


def test_operator_commands(tmp_path):
    env = {**os.environ, "CHENGGUAN_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
           "CHENGGUAN_DATA_DIR": str(tmp_path / "data"), "CHENGGUAN_ENVIRONMENT": "dev"}
    env.pop("CHENGGUAN_TEST_DATABASE_URL", None)
    assert "需要升级" in run(["db", "current"], env).stdout
    run(["db", "upgrade"], env)
    assert "已是最新" in run(["db", "current"], env).stdout
    run(["demo", "load", "--scale", "small", "--history-days", "0"], env)
    again = run(["demo", "load", "--scale", "small"], env, check=False)
    assert again.returncode != 0 and "--force" in again.stderr
    run(["user", "create", "ops", "--name", "运维", "--password", "s3cret-pass", "--role", "admin@320614"], env)
    assert "admin" in run(["user", "roles", "ops"], env).stdout
    weak = run(["user", "create", "weak", "--name", "x", "--password", "123"], env, check=False)
    assert weak.returncode == 2 and "密码" in weak.stderr
    out = tmp_path / "grids.geojson"
    assert "个网格" in run(["export", "grids", str(out)], env).stdout
    bad = tmp_path / "bad.geojson"
    fc = json.loads(out.read_text(encoding="utf-8"))
    fc["features"][0]["properties"]["code"] = "123"
    bad.write_text(json.dumps(fc), encoding="utf-8")
    r = run(["import", "grids", str(bad)], env, check=False)
    assert r.returncode == 2 and "未做任何修改" in r.stderr
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    r = run(["import", "grids", str(broken)], env, check=False)
    assert r.returncode != 0 and "JSON" in r.stderr
    assert "2026" in run(["calendar", "sync", "--years", "2026-2027"], env).stdout
    assert "CHENGGUAN_DATABASE_URL" in run(["settings"], env).stdout
    prod = {**env, "CHENGGUAN_ENVIRONMENT": "production", "CHENGGUAN_SECRET_KEY": "x" * 40}
    r = run(["demo", "load", "--force"], prod, check=False)
    assert r.returncode != 0 and "生产模式" in r.stderr
    r = run(["settings"], {**env, "CHENGGUAN_ENVIRONMENT": "production"}, check=False)
    assert r.returncode != 0  # the default secret is refused in production
