"""A bundle from a stranger: its index is never opened unless a trusted key signed its manifest.

Whoosh unpickles what an index holds, and a stranger can make a bundle whose manifest, sizes and
hashes all agree with a poisoned index; only a signature from a key the archive trusts lets the
bundle's index in as it is. Otherwise the index is rebuilt from the bundle's store."""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from whoosh.filedb.structfile import StructFile
from whoosh.util.varints import varint

from search.service import SearchService
from tests.test_bundle import QUERIES, folder_hashes, members, rewrite, run


class Poison:
    """Unpickles into the index's own schema, creating `marker` on the way: the index still
    works, so nothing but the marker shows that code ran."""

    def __init__(self, marker: Path, schema: bytes) -> None:
        self.marker, self.schema = marker, schema

    def __reduce__(self):
        code = f"(open({str(self.marker)!r}, 'w').close(), __import__('pickle').loads({self.schema!r}))[1]"
        return eval, (code,)


def poisoned_toc(raw: bytes, marker: Path) -> bytes:
    """Whoosh's table of contents with its pickled schema replaced by `Poison`."""
    stream = StructFile(io.BytesIO(raw))
    for _ in range(3):
        stream.read_varint()
    stream.read_int(), stream.read_int()
    for _ in range(3):
        stream.read_varint()
    start = stream.tell()
    schema = stream.read_string()
    end = stream.tell()
    payload = pickle.dumps(Poison(marker, schema), 2)
    return raw[:start] + varint(len(payload)) + payload + raw[end:]


def self_consistent(parts, marker: Path):
    """The bundle with a poisoned index, its manifest and checksum fixed to match, unsigned."""
    manifest = json.loads(parts[0][1])
    changed = []
    for member, data in parts:
        if member.name.startswith("index/") and member.name.endswith(".toc"):
            data = poisoned_toc(data, marker)
            listed = next(f for f in manifest["files"] if f["path"] == member.name)
            listed.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
        changed.append((member, data))
    raw = json.dumps(manifest, indent=2).encode() + b"\n"
    changed[0] = (changed[0][0], raw)
    changed[-1] = (changed[-1][0], f"{hashlib.sha256(raw).hexdigest()}  manifest.json\n".encode())
    return changed


def write_key(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return key


def trust(key: Ed25519PrivateKey, data_dir: Path, name: str = "colleague.pem") -> str:
    """Put the key's public half in `data_dir`'s trusted keys; returns its key id."""
    folder = data_dir / "trusted-keys"
    folder.mkdir(parents=True, exist_ok=True)
    public = key.public_key()
    (folder / name).write_bytes(
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory) -> tuple[Path, Ed25519PrivateKey]:
    path = tmp_path_factory.mktemp("key") / "key.pem"
    return path, write_key(path)


@pytest.fixture(scope="module")
def unsigned_bundle(indexed_archive, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("unsigned") / "archive.tar.gz"
    result = run(
        "export",
        "bundle",
        str(path),
        "--data-dir",
        str(indexed_archive / "data"),
        "--index-dir",
        str(indexed_archive / "index"),
    )
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def signed_bundle(indexed_archive, signing_key, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("signed") / "signed.tar.gz"
    result = run(
        "export",
        "bundle",
        str(path),
        "--sign",
        str(signing_key[0]),
        "--data-dir",
        str(indexed_archive / "data"),
        "--index-dir",
        str(indexed_archive / "index"),
    )
    assert result.returncode == 0, result.stderr
    return path


def import_into(bundle: Path, folder: Path) -> subprocess.CompletedProcess:
    return run(
        "import", "bundle", str(bundle), "--data-dir", str(folder / "data"), "--index-dir", str(folder / "index")
    )


def same_results(indexed_archive: Path, folder: Path) -> None:
    original, copy = SearchService(indexed_archive / "index"), SearchService(folder / "index")
    for request in QUERIES:
        before, after = original.search(request), copy.search(request)
        assert after.total == before.total > 0
        assert [h.url for h in after.hits] == [h.url for h in before.hits]
        assert after.facets == before.facets


def test_a_strangers_poisoned_bundle_runs_no_code_and_is_reindexed(unsigned_bundle, indexed_archive, tmp_path):
    marker = tmp_path / "code-ran"
    bundle = rewrite(unsigned_bundle, tmp_path / "poisoned.tar.gz", lambda parts: self_consistent(parts, marker))
    result = import_into(bundle, tmp_path)
    assert not marker.exists(), "the bundle's pickled index was loaded on import"
    assert result.returncode == 0, result.stderr
    assert "not signed by a trusted key: the index was rebuilt from the store" in result.stdout
    searched = run("search", "rice", "--index-dir", str(tmp_path / "index"))
    assert searched.returncode == 0, searched.stderr
    same_results(indexed_archive, tmp_path)
    assert not marker.exists(), "the bundle's pickled index was loaded on search"


def test_a_bundle_signed_by_a_trusted_key_is_installed_as_it_is(signed_bundle, signing_key, indexed_archive, tmp_path):
    key_id = trust(signing_key[1], tmp_path / "data")
    result = import_into(signed_bundle, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"signed by trusted key {key_id}" in result.stdout and "rebuilt" not in result.stdout
    generation = next((tmp_path / "index").glob("gen-*"))
    shipped = {
        m.name.removeprefix("index/"): hashlib.sha256(data).hexdigest()
        for m, data in members(signed_bundle)
        if m.name.startswith("index/")
    }
    assert {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in generation.iterdir() if p.name in shipped
    } == shipped
    assert (tmp_path / "data" / "trusted-keys" / "colleague.pem").is_file()  # the trust survives the import
    same_results(indexed_archive, tmp_path)


def test_a_bundle_signed_by_an_untrusted_key_is_reindexed(signed_bundle, indexed_archive, tmp_path):
    trust(Ed25519PrivateKey.generate(), tmp_path / "data", "someone-else.pem")
    result = import_into(signed_bundle, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "not signed by a trusted key: the index was rebuilt from the store" in result.stdout
    same_results(indexed_archive, tmp_path)


def test_a_trusted_key_whose_signature_fails_is_refused(signed_bundle, signing_key, tmp_path):
    trust(signing_key[1], tmp_path / "data")

    def edit(parts):
        manifest = json.loads(parts[0][1])
        manifest["created_at"] = "2000-01-01T00:00:00+00:00"
        raw = json.dumps(manifest, indent=2).encode() + b"\n"
        parts[0] = (parts[0][0], raw)
        parts[-2] = (parts[-2][0], f"{hashlib.sha256(raw).hexdigest()}  manifest.json\n".encode())
        return parts

    bundle = rewrite(signed_bundle, tmp_path / "edited.tar.gz", edit)
    before = folder_hashes(tmp_path / "data")
    result = import_into(bundle, tmp_path)
    assert result.returncode == 2
    message = [line for line in result.stderr.splitlines() if line.startswith("newsarchive:")]
    assert len(message) == 1 and "does not verify" in message[0] and "Traceback" not in result.stderr, result.stderr
    assert folder_hashes(tmp_path / "data") == before and not (tmp_path / "index").exists()
