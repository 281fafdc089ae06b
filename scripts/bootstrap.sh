#!/usr/bin/env bash
# Create .venv and install the project with uv (≈10 s cold). Idempotent: re-runs only when
# pyproject.toml changed. Usage: scripts/bootstrap.sh [run|dev]
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-run}
py=${PYTHON:-$(command -v python3.11 || command -v python3)}
stamp=.venv/.installed-$want
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ]; then exit 0; fi
if [ ! -x .venv/bin/python ]; then
  echo "创建虚拟环境 .venv（$($py --version)）…"
  "$py" -m venv .venv
fi
if [ ! -x .venv/bin/uv ]; then
  .venv/bin/pip install -q --disable-pip-version-check uv 2>&1 | grep -v "is ignored" || true
fi
extra=""
[ "$want" = dev ] && extra="[dev]"
echo "安装依赖（uv）…"
# --compile-bytecode: uv skips .pyc files by default, and a start-up that compiles ~450 modules costs
# seconds (more where PYTHONDONTWRITEBYTECODE is set and they are never cached).
VIRTUAL_ENV="$PWD/.venv" .venv/bin/uv pip install -q --compile-bytecode -e ".$extra"
touch "$stamp"
[ "$want" = dev ] && touch .venv/.installed-run
exit 0
