"""The package as someone installs it: a wheel built from the project, installed into a fresh
virtual environment, away from the source tree, serves the archive — templates, static files
and the record schema inside it, its requirements declared."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.waiting import wait_for

# What a checkout holds beside its source: at the top, and anywhere.
NOT_SOURCE_AT_TOP = {".git", ".venv", "build", "data", "index", "test-artifacts"}
NOT_SOURCE = shutil.ignore_patterns("*.egg-info", "__pycache__", ".*_cache")


def not_source(repo_root: Path):
    def ignored(folder: str, names: list[str]) -> set[str]:
        at_top = NOT_SOURCE_AT_TOP & set(names) if Path(folder) == repo_root else set()
        return at_top | NOT_SOURCE(folder, names)

    return ignored


@pytest.fixture(scope="module")
def wheel(repo_root, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "source"  # built from a copy, so the build leaves nothing in the checkout
    shutil.copytree(repo_root, source, ignore=not_source(repo_root))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = folder.glob("newsarchive-*.whl")
    return built


def pinned(requirements: Path) -> set[str]:
    lines = (line.split("#")[0].strip() for line in requirements.read_text().splitlines())
    return {str(Requirement(line)) for line in lines if line}


def test_the_wheel_declares_the_pinned_requirements_and_carries_its_data(wheel, repo_root):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata,) = [name for name in names if name.endswith(".dist-info/METADATA")]
        declared = Parser().parsestr(archive.read(metadata).decode()).get_all("Requires-Dist") or []
        (points,) = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
        entry_points = archive.read(points).decode()
    assert {str(Requirement(line)) for line in declared} == pinned(repo_root / "requirements.txt")
    for source in [
        *(repo_root / "web" / "templates").iterdir(),
        *(repo_root / "web" / "static").iterdir(),
        *(repo_root / "samplesite" / "data").iterdir(),
    ]:
        assert source.relative_to(repo_root).as_posix() in names, f"{source.name} is not in the wheel"
    assert "[console_scripts]\nnewsarchive = cli.main:main" in entry_points
    assert "[newsarchive.sites]" in entry_points


def test_the_installed_wheel_serves_the_archive_from_outside_the_source_tree(wheel, indexed_archive, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # The requirements come from the test environment's site-packages, added after the fresh
    # environment's own (a path in a .pth file: its own .pth files, the project's editable
    # install among them, are not run), so the project itself is imported from the wheel.
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "requirements.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = subprocess.run(
        [str(python), "-c", "import web, archive.fields; print(web.__file__)"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(site), where
    log = tmp_path / "serve.out"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [
                str(venv / "bin" / "newsarchive"),
                "serve",
                "--port",
                "0",
                "--data-dir",
                str(indexed_archive / "data"),
                "--index-dir",
                str(indexed_archive / "index"),
            ],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        line = wait_for(
            lambda: next((x for x in log.read_text().splitlines() if x.startswith("Serving")), None),
            "the installed server to start",
        )
        base = line.split(" at ")[1].rstrip("/")
        for path, expected in (
            ("/", b"<form"),
            ("/search?q=ministry", b"result"),
            ("/static/style.css", b"{"),
            ("/openapi.json", b'"openapi"'),
            ("/about", b"article"),
        ):
            with urllib.request.urlopen(base + path, timeout=60) as response:
                assert response.status == 200 and expected in response.read(), path
    finally:
        server.terminate()
        server.wait(timeout=30)
