"""Rules about the code base itself."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import create_engine

SRC = Path(__file__).resolve().parents[1] / "src" / "chengguan"


def test_only_the_transition_function_writes_case_status():
    """``Case.status`` is assigned in chengguan/cases/workflow.py and nowhere else."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for t in targets:
                for sub in ast.walk(t):
                    if isinstance(sub, ast.Attribute) and sub.attr == "status" and isinstance(sub.value, ast.Name) \
                            and sub.value.id in ("case", "c", "tgt", "target", "row"):
                        rel = path.relative_to(SRC).as_posix()
                        if rel != "cases/workflow.py":
                            offenders.append(f"{rel}:{sub.lineno}")
    assert offenders == [], f"case status assigned outside the transition function: {offenders}"


def test_services_never_commit():
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith(("core/", "cli/", "jobs/", "demo/", "migrations/")):
            continue  # the units of work live there
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ".commit()" in line and not line.strip().startswith("#"):
                offenders.append(f"{rel}:{i}")
    assert offenders == []


def test_migrations_match_the_models(tmp_path):
    """Running every migration on an empty database gives exactly the models' schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from chengguan.core import migrate
    from chengguan.core.registry import metadata

    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)
    assert diff == [], diff


def test_newest_migration_downgrades_and_upgrades(tmp_path):
    from chengguan.core import migrate

    url = f"sqlite:///{tmp_path / 'r.db'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "-1")
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    migrate.upgrade(url)


def test_settings_reference_is_current():
    """docs/operations.md lists every environment and administrator setting (regenerate: chengguan docs --write)."""
    from chengguan.system import docs

    old, new = docs.render(SRC.parents[1] / "docs" / "operations.md")
    assert old == new, "docs/operations.md is out of date: run `chengguan docs --write`"
