"""Signed bundles: an ed25519 signature over the manifest's bytes, the last member `manifest.sig`.

The manifest lists every file's SHA-256, so signing it signs the whole bundle. The checksums
alone only show that a bundle agrees with itself; Whoosh unpickles what an index holds, so only
an index signed by a key the archive trusts (`DATA/trusted-keys/*.pem`) is installed as it is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from portable.manifest import BundleError

SIGNATURE = "manifest.sig"
TRUSTED_KEYS = "trusted-keys"
MAX_SIGNATURE_BYTES = 4096


def key_id(public: Ed25519PublicKey) -> str:
    """The SHA-256 of the raw public key, in hex: what a signature names its key by."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """An unencrypted ed25519 private key in PEM (PKCS8), refused in one sentence otherwise."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise BundleError(f"Cannot use {path} as a signing key ({error}).") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BundleError(f"{path} is not an ed25519 private key.")
    return key


def sign(key: Ed25519PrivateKey, manifest_bytes: bytes) -> bytes:
    """The `manifest.sig` member: the key's id and the signature of the manifest's bytes."""
    signature = base64.b64encode(key.sign(manifest_bytes)).decode()
    return json.dumps({"key_id": key_id(key.public_key()), "signature": signature}).encode() + b"\n"


def trusted_keys(data_dir: Path | None) -> dict[str, Ed25519PublicKey]:
    """The public keys in `data_dir/trusted-keys/*.pem` by key id; none without a data folder."""
    folder = data_dir / TRUSTED_KEYS if data_dir is not None else None
    keys = {}
    for path in sorted(folder.glob("*.pem")) if folder is not None and folder.is_dir() else []:
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except (OSError, ValueError) as error:
            raise BundleError(f"The trusted key {path} cannot be read ({error}).") from None
        if not isinstance(key, Ed25519PublicKey):
            raise BundleError(f"The trusted key {path} is not an ed25519 public key.")
        keys[key_id(key)] = key
    return keys


def trusted_signer(
    name: str, signature: bytes | None, manifest_bytes: bytes, trusted: dict[str, Ed25519PublicKey]
) -> str | None:
    """The id of the trusted key that signed the manifest, or None (unsigned, unreadable or an
    unknown key: the bundle is a stranger's). A trusted key id whose signature does not verify
    means the bundle was changed after signing, and is refused."""
    if signature is None:
        return None
    try:
        claimed = json.loads(signature)
        signer, value = str(claimed["key_id"]), base64.b64decode(claimed["signature"], validate=True)
    except (ValueError, TypeError, KeyError, binascii.Error):
        return None
    if signer not in trusted:
        return None
    try:
        trusted[signer].verify(value, manifest_bytes)
    except InvalidSignature:
        raise BundleError(
            f"{name} has been tampered with: its signature by trusted key {signer} does not verify."
        ) from None
    return signer
