"""The built package works on its own: no source tree, any working folder."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import repo_root


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel and install it (not editable) into a folder of its own."""
    work = tmp_path_factory.mktemp("package")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(work / "dist"),
            str(repo_root()),
        ],
        check=True,
        timeout=300,
    )
    wheel = next((work / "dist").glob("tjar-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "tjar/db/migrations/env.py" in names
    assert any(name.startswith("tjar/db/migrations/versions/0001") for name in names)
    assert "tjar/i18n/locale/ar/LC_MESSAGES/messages.po" in names
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(work / "site"),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    return work


def test_the_installed_package_migrates_and_seeds_from_any_folder(
    installed: Path,
) -> None:
    elsewhere = installed / "elsewhere"
    elsewhere.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(installed / "site"),
        "TJAR_DATABASE_URL": f"sqlite+aiosqlite:///{installed / 'data' / 'tjar.db'}",
        "TJAR_LOG_LEVEL": "WARNING",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            env=env,
            cwd=elsewhere,
            capture_output=True,
            text=True,
            timeout=120,
        )

    where = run("-c", "import tjar; print(tjar.__file__)")
    upgraded = run("-m", "tjar", "db", "upgrade")
    demo = run("-m", "tjar", "demo")
    message = run(
        "-c",
        "from tjar.i18n import translate;"
        "print(translate('ar', 'Orders retrieved successfully.'))",
    )

    assert where.stdout.startswith(str(installed / "site")), where.stdout
    assert upgraded.returncode == 0, upgraded.stderr
    assert demo.returncode == 0, demo.stderr
    assert "Demo store created." in demo.stdout
    assert message.stdout.strip() == "تم استرجاع الطلبات بنجاح"
