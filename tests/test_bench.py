"""The benchmark suite still imports and its smoke mode still passes.

The benchmark itself is not a test (no timings here): ``--dry-run`` seeds a
tiny data set, starts the real server (and, on PostgreSQL, the baseline) and
sends one checked request per endpoint, comparing the baseline's bytes.
"""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
MODULES = [
    "bench.seed",
    "bench.database",
    "bench.load",
    "bench.baseline",
    "bench.webhooks",
    "bench.receiver",
    "bench.run",
]


@pytest.mark.parametrize("name", MODULES)
def test_bench_modules_import(name: str) -> None:
    importlib.import_module(name)


def _dry_run(*options: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bench.run", "--dry-run", *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_quick_dry_run_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bench.db'}"
    done = _dry_run("--quick", "--database-url", url)
    assert done.returncode == 0, done.stdout + done.stderr
    for endpoint in ("orders", "deep", "order", "products", "create"):
        assert f"checked {endpoint}" in done.stdout
    assert "dry run passed" in done.stdout


def test_dry_run_on_postgres_matches_the_baseline() -> None:
    configured = os.environ.get("TJAR_TEST_POSTGRES_URL")
    if not configured:
        pytest.skip("needs TJAR_TEST_POSTGRES_URL")
    url = make_url(configured).set(database="tjar_bench_smoke")
    done = _dry_run("--database-url", url.render_as_string(hide_password=False))
    # The run stops at the first answer whose bytes differ from Tjar's.
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checked products" in done.stdout
