"""Bundles as a researcher carries them: exported from a crawled archive, checked and installed
elsewhere with the same searches, facets and pages; a damaged, cut short, altered or too new
bundle refused in one sentence with the previous archive untouched."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import quote

import pytest

from archive.store import SCHEMA_VERSION, Store
from search.service import SearchRequest, SearchService
from tests.conftest import get
from web import create_app

NEWSARCHIVE = str(Path(sys.executable).parent / "newsarchive")
SEED = "https://www.phnompenhpost.com/national/rainsy-faces-defamation-charge-post-about-pms-likes"
QUERIES = [
    SearchRequest(query="rice", sort="newest"),
    SearchRequest(query='"hun sen"', filters={"year": ["2016"]}),
    SearchRequest(query="", filters={"section": ["national", "business"]}, excludes={"tag": ["ASEAN"]}),
    SearchRequest(query="defam*", sort="most-viewed"),
]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([NEWSARCHIVE, *args], capture_output=True, text=True, timeout=300)


def folder_hashes(*folders: Path) -> dict[str, str]:
    """Every file under the folders with its SHA-256 (and every link with its target)."""
    found = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_symlink():
                found[str(path)] = "-> " + str(path.readlink())
            elif path.is_file():
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture(scope="module")
def bundle(indexed_archive, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "archive.tar.gz"
    result = run(
        "export",
        "bundle",
        str(path),
        "--warc",
        "--data-dir",
        str(indexed_archive / "data"),
        "--index-dir",
        str(indexed_archive / "index"),
    )
    assert result.returncode == 0, result.stderr
    assert "manifest SHA-256" in result.stdout
    return path


@pytest.fixture(scope="module")
def installed(bundle, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("installed")
    result = run(
        "import", "bundle", str(bundle), "--data-dir", str(folder / "data"), "--index-dir", str(folder / "index")
    )
    assert result.returncode == 0, result.stderr
    return folder


def members(bundle: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(bundle, "r:gz") as tar:
        return [(member, tar.extractfile(member).read()) for member in tar.getmembers()]


def rewrite(bundle: Path, target: Path, change) -> Path:
    """The bundle written again with `change(members)` applied to its list of members."""
    parts = change(members(bundle))
    with tarfile.open(target, "w:gz") as tar:
        for member, data in parts:
            info = tarfile.TarInfo(member.name)
            info.size, info.mtime, info.mode, info.type = len(data), member.mtime, member.mode, member.type
            tar.addfile(info, io.BytesIO(data))
    return target


def with_manifest(edit, fix_checksum: bool):
    def change(parts):
        manifest = json.loads(parts[0][1])
        edit(manifest)
        raw = json.dumps(manifest, indent=2).encode() + b"\n"
        parts = [(parts[0][0], raw), *parts[1:]]
        if fix_checksum:
            parts[-1] = (parts[-1][0], f"{hashlib.sha256(raw).hexdigest()}  manifest.json\n".encode())
        return parts

    return change


def test_the_bundle_begins_with_its_manifest_and_ends_with_its_checksum(bundle, indexed_archive):
    parts = members(bundle)
    names = [member.name for member, _ in parts]
    assert names[0] == "manifest.json" and names[-1] == "manifest.sha256"
    manifest = json.loads(parts[0][1])
    assert parts[-1][1].decode().split()[0] == hashlib.sha256(parts[0][1]).hexdigest()
    assert {f["path"] for f in manifest["files"]} == set(names[1:-1])
    for member, data in parts[1:-1]:
        listed = next(f for f in manifest["files"] if f["path"] == member.name)
        assert listed["size"] == len(data) and listed["sha256"] == hashlib.sha256(data).hexdigest()
    assert any(name.startswith("warc/") for name in names) and "store/archive.sqlite3" in names
    with Store(indexed_archive / "data" / "archive.sqlite3") as store:
        assert manifest["figures"]["articles"] == store.article_count()
        assert manifest["figures"]["sites"] == {"phnompenhpost.com": store.article_count()}
    assert manifest["format_version"] == 1 and manifest["schema_version"] == SCHEMA_VERSION and manifest["tool_version"]
    assert manifest["figures"]["published_from"] < manifest["figures"]["published_to"]


def test_an_installed_bundle_gives_the_same_results_facets_and_pages(indexed_archive, installed):
    original, copy = SearchService(indexed_archive / "index"), SearchService(installed / "index")
    for request in QUERIES:
        before, after = original.search(request), copy.search(request)
        assert after.total == before.total > 0
        assert [h.url for h in after.hits] == [h.url for h in before.hits]
        assert after.facets == before.facets and after.histogram == before.histogram
    apps = [
        create_app(indexed_archive / "index", indexed_archive / "data").test_client(),
        create_app(installed / "index", installed / "data").test_client(),
    ]
    for path in (
        f"/article.json?url={quote(SEED)}",
        "/about.json",
        "/most-viewed.json?at=2030-01-01",
        "/search.json?q=rice&section=national",
    ):
        before, after = (client.get(path).get_json() for client in apps)
        assert after == before
    capture = apps[0].get(f"/article.json?url={quote(SEED)}").get_json()["captures"][0]["id"]
    assert apps[1].get(f"/capture/{capture}").data == apps[0].get(f"/capture/{capture}").data


def test_a_bundle_is_not_installed_over_an_archive_without_replace(bundle, installed):
    before = folder_hashes(installed)
    result = run(
        "import", "bundle", str(bundle), "--data-dir", str(installed / "data"), "--index-dir", str(installed / "index")
    )
    assert result.returncode == 2 and "--replace" in result.stderr
    assert folder_hashes(installed) == before


SPOILED = {
    "a byte flipped": None,
    "cut short": None,
    "cut before its checksum": lambda parts: parts[:-1],
    "a count changed in the manifest": with_manifest(
        lambda m: m["figures"].update(articles=m["figures"]["articles"] + 1), fix_checksum=True
    ),
    "a hash changed in the manifest": with_manifest(lambda m: m["files"][0].update(sha256="0" * 64), fix_checksum=True),
    "the manifest edited but not its checksum": with_manifest(
        lambda m: m.update(created_at="2000-01-01"), fix_checksum=False
    ),
    "a newer format": with_manifest(lambda m: m.update(format_version=2), fix_checksum=True),
    "a newer store schema": with_manifest(lambda m: m.update(schema_version=99), fix_checksum=True),
    "a file the manifest does not list": lambda parts: [
        *parts[:-1],
        (tarfile.TarInfo("warc/extra.warc.gz"), b"x"),
        parts[-1],
    ],
    "a path out of the folder": lambda parts: [parts[0], (tarfile.TarInfo("../../escaped.txt"), b"x"), *parts[1:]],
    "a link": lambda parts: [parts[0], (link_member(), b""), *parts[1:]],
    "a file missing": lambda parts: [p for p in parts if not p[0].name.startswith("index/")],
}
MESSAGES = {
    "a byte flipped": "damaged",
    "cut short": "cut short",
    "cut before its checksum": "cut short",
    "a count changed in the manifest": "altered: its manifest gives articles",
    "a hash changed in the manifest": "does not match its size and SHA-256",
    "the manifest edited but not its checksum": "its manifest does not match manifest.sha256",
    "a newer format": "newer newsarchive",
    "a newer store schema": "newer than this version knows",
    "a file the manifest does not list": "which its manifest does not list",
    "a path out of the folder": "which its manifest does not list",
    "a link": "which its manifest does not list",
    "a file missing": "is listed in its manifest but missing",
}


def link_member() -> tarfile.TarInfo:
    info = tarfile.TarInfo("store/evil")
    info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
    return info


@pytest.mark.parametrize("spoil", list(SPOILED))
def test_a_spoiled_bundle_is_refused_and_nothing_changes(bundle, installed, tmp_path, spoil):
    target = tmp_path / "spoiled.tar.gz"
    if spoil == "a byte flipped":
        data = bytearray(bundle.read_bytes())
        data[len(data) // 2] ^= 0x01
        target.write_bytes(bytes(data))
    elif spoil == "cut short":
        target.write_bytes(bundle.read_bytes()[: bundle.stat().st_size * 2 // 3])
    else:
        rewrite(bundle, target, SPOILED[spoil])
    before = folder_hashes(installed)
    siblings = sorted(p.name for p in installed.iterdir())
    result = run(
        "import",
        "bundle",
        str(target),
        "--replace",
        "--data-dir",
        str(installed / "data"),
        "--index-dir",
        str(installed / "index"),
    )
    assert result.returncode == 2
    message = [line for line in result.stderr.splitlines() if line.startswith("newsarchive:")]
    assert len(message) == 1 and MESSAGES[spoil] in message[0], result.stderr
    assert "Traceback" not in result.stderr
    assert folder_hashes(installed) == before
    assert sorted(p.name for p in installed.iterdir()) == siblings  # no staging folder left behind
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_replace_installs_a_bundle_over_an_archive(bundle, tmp_path):
    first = run(
        "import", "bundle", str(bundle), "--data-dir", str(tmp_path / "data"), "--index-dir", str(tmp_path / "index")
    )
    assert first.returncode == 0, first.stderr
    (tmp_path / "data" / "old-note.txt").write_text("from the previous archive")
    again = run(
        "import",
        "bundle",
        str(bundle),
        "--replace",
        "--data-dir",
        str(tmp_path / "data"),
        "--index-dir",
        str(tmp_path / "index"),
    )
    assert again.returncode == 0, again.stderr
    assert not (tmp_path / "data" / "old-note.txt").exists()
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == ["current", "gen-00002"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "index"]
    assert SearchService(tmp_path / "index").search(SearchRequest(query="rice")).total > 0


def test_serve_bundle_checks_it_and_serves_it_read_only(bundle, indexed_archive, tmp_path):
    process = subprocess.Popen(
        [NEWSARCHIVE, "serve", "--bundle", str(bundle), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=os.environ | {"TMPDIR": str(tmp_path)},
    )
    try:
        checked = process.stdout.readline()
        assert "Checked archive.tar.gz (manifest SHA-256" in checked
        base = process.stdout.readline().split(" at ")[-1].strip().rstrip("/")
        status, _, body = get(base + f"/article.json?url={quote(SEED)}")
        original = create_app(indexed_archive / "index", indexed_archive / "data").test_client()
        served, kept = json.loads(body), original.get(f"/article.json?url={quote(SEED)}").get_json()
        # the citation names the capture at the address of the server that answers
        assert served.pop("citation").replace(base, "") == kept.pop("citation").replace("http://localhost", "")
        assert status == 200 and served == kept
        status, _, body = get(base + "/search.json?q=rice")
        assert status == 200 and json.loads(body)["total"] == original.get("/search.json?q=rice").get_json()["total"]
        unpacked = next(tmp_path.glob("newsarchive-bundle-*"))
        assert (unpacked / "data" / "archive.sqlite3").is_file()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert not list(tmp_path.iterdir())  # the unpacked copy goes when the server stops


def test_serve_refuses_a_damaged_bundle(bundle, tmp_path):
    target = tmp_path / "cut.tar.gz"
    target.write_bytes(bundle.read_bytes()[:4096])
    result = run("serve", "--bundle", str(target), "--port", "0")
    assert result.returncode == 2 and "cut short" in result.stderr and "Traceback" not in result.stderr


def test_a_read_only_store_refuses_writes(installed):
    import sqlite3

    with Store(installed / "data" / "archive.sqlite3", read_only=True) as store:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.db.execute("DELETE FROM articles")
        assert store.article_count() > 0
