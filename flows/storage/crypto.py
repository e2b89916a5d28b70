"""Encryption at rest: every stored session is a Fernet token, never plaintext.

Where the key comes from, first match wins (see `resolve_cipher`):

1. a key passed in code (`open_store(key=...)`);
2. `COACH_ENCRYPTION_KEY`: one Fernet key (44 characters of urlsafe base64), or several separated
   by commas for rotation — the first encrypts, all of them decrypt;
3. `COACH_ENCRYPTION_KEY_FILE`: a file holding such keys (one per line or comma-separated);
   it must already exist, because instances sharing a database must share the key;
4. for a SQLite file, `<db file>.key` next to it (`coach.db` -> `coach.key`), created on first
   run with mode 0600.  This protects a copied or shared database file, not a stolen home
   directory: set `COACH_ENCRYPTION_KEY` from a secret store for more.

Generate a key with `python -m flows.storage new-key`.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from flows.storage.errors import DecryptionError, EncryptionKeyError

ENV_KEY = "COACH_ENCRYPTION_KEY"
ENV_KEY_FILE = "COACH_ENCRYPTION_KEY_FILE"
_GENERATE_HINT = "generate one with: python -m flows.storage new-key"

logger = logging.getLogger(__name__)

KeyMaterial = str | bytes | Sequence[str | bytes]
"""One key, several keys in one string (comma or whitespace separated, newest first), or a list."""


def generate_key() -> bytes:
    """Return a new random Fernet key (urlsafe base64, 44 bytes)."""
    return Fernet.generate_key()


def _split_keys(material: KeyMaterial) -> list[bytes]:
    items = [material] if isinstance(material, str | bytes) else list(material)
    keys: list[bytes] = []
    for item in items:
        text = item.decode("ascii", errors="replace") if isinstance(item, bytes) else item
        keys.extend(part.encode("ascii", errors="replace") for part in re.split(r"[\s,]+", text) if part)
    return keys


class Cipher:
    """Symmetric authenticated encryption (Fernet); several keys allow rotation."""

    def __init__(self, material: KeyMaterial, *, source: str = "the encryption key") -> None:
        """Build a cipher from key material.

        Args:
            material: One or more Fernet keys; the first encrypts, every one can decrypt.
            source: Where the keys came from, named in error messages (never the key itself).

        Raises:
            EncryptionKeyError: No key was given or one is not a valid Fernet key.
        """
        keys = _split_keys(material)
        if not keys:
            raise EncryptionKeyError(f"{source} is empty; {_GENERATE_HINT}")
        fernets: list[Fernet] = []
        for number, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except ValueError:
                which = f"key {number} in {source}" if len(keys) > 1 else source
                raise EncryptionKeyError(
                    f"{which} is not a valid key (expected 44 characters of urlsafe base64); {_GENERATE_HINT}"
                ) from None
        self._fernet = MultiFernet(fernets)
        self._keys = keys
        self._source = source

    @classmethod
    def generate(cls) -> Cipher:
        """Return a cipher with a fresh random key (for in-memory databases and tests)."""
        return cls(generate_key(), source="a generated key")

    def newest(self) -> Cipher:
        """Return a cipher with only the key that encrypts (to check that a rotation left nothing behind)."""
        return Cipher(self._keys[0], source=f"the newest key of {self._source}")

    def material(self) -> str:
        """Return every key, comma-separated, newest first: only for a child process's stdin, never argv or env."""
        return ",".join(key.decode("ascii") for key in self._keys)

    def encrypt(self, data: bytes) -> bytes:
        """Encrypt and authenticate `data` with the newest key.

        Args:
            data: Plaintext bytes.

        Returns:
            A Fernet token (ASCII bytes).
        """
        return self._fernet.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        """Decrypt a token written with any of this cipher's keys.

        Args:
            token: A Fernet token from `encrypt`.

        Returns:
            The plaintext bytes.

        Raises:
            DecryptionError: The token was written with another key or has been altered.
        """
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise DecryptionError(
                f"cannot decrypt stored data: {self._source} is not the key it was written with"
            ) from None

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt a token under the newest key (MultiFernet semantics: any key may have written it).

        Raises:
            DecryptionError: None of the keys wrote the token.
        """
        try:
            return self._fernet.rotate(token)
        except InvalidToken:
            raise DecryptionError(
                f"cannot decrypt stored data: {self._source} is not the key it was written with"
            ) from None


def _read_key_file(path: Path) -> bytes:
    try:
        data = path.read_bytes().strip()
    except OSError as exc:
        raise EncryptionKeyError(f"cannot read key file {path}: {exc.strerror or exc}") from None
    if not data:
        raise EncryptionKeyError(f"key file {path} is empty; {_GENERATE_HINT}")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        logger.warning("key file %s is readable by others (mode %o); run: chmod 600 %s", path, mode, path)
    return data


def load_or_create_key(path: str | os.PathLike[str], *, create: bool = True) -> bytes:
    """Read the key file at `path`, creating it with a new key (mode 0600) if it is missing.

    Creation is atomic: the key is written to a private temporary file and hard-linked into
    place, so two processes starting at once end up with the same key and nobody ever reads a
    half-written file.

    Args:
        path: The key file.
        create: When false, a missing file is an error instead of being created.

    Returns:
        The file's key material, stripped of surrounding whitespace.

    Raises:
        EncryptionKeyError: The file cannot be read or created, or is missing and `create` is false.
    """
    key_path = Path(path)
    if key_path.exists():
        return _read_key_file(key_path)
    if not create:
        raise EncryptionKeyError(f"key file {key_path} does not exist; {_GENERATE_HINT}")
    try:
        key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=key_path.parent, prefix=".key-")
    except OSError as exc:
        raise EncryptionKeyError(f"cannot create key file {key_path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(generate_key() + b"\n")
            tmp.flush()
            os.fsync(tmp.fileno())
        try:
            os.link(tmp_name, key_path)
            logger.info("created a new encryption key file at %s", key_path)
        except FileExistsError:
            pass  # another process won the race: use its key
    except OSError as exc:
        raise EncryptionKeyError(f"cannot create key file {key_path}: {exc.strerror or exc}") from None
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return _read_key_file(key_path)


def resolve_cipher(key: Cipher | KeyMaterial | None, key_file: Path | None, *, create_key_file: bool = True) -> Cipher:
    """Pick the cipher from, in order, `key`, the environment, then `key_file`.

    Args:
        key: A cipher or key material given in code, or None.
        key_file: The key file to fall back on (a SQLite database's sibling), or None when
            there is none (PostgreSQL), in which case a key must come from `key` or the env.
        create_key_file: Whether `key_file` may be created; false when a database already
            exists, so a lost key file is reported instead of silently replaced.

    Returns:
        The cipher to encrypt and decrypt with.

    Raises:
        EncryptionKeyError: No key is configured, or the one configured is unusable.
    """
    if isinstance(key, Cipher):
        return key
    if key is not None:
        return Cipher(key, source="the key given")
    if env_key := os.environ.get(ENV_KEY, "").strip():
        return Cipher(env_key, source=ENV_KEY)
    if env_file := os.environ.get(ENV_KEY_FILE, "").strip():
        path = Path(env_file).expanduser()
        return Cipher(load_or_create_key(path, create=False), source=f"key file {path}")
    if key_file is None:
        raise EncryptionKeyError(f"no encryption key: set {ENV_KEY} or {ENV_KEY_FILE}; {_GENERATE_HINT}")
    if not create_key_file and not key_file.exists():
        raise EncryptionKeyError(
            f"the database exists but its key file {key_file} is missing: restore it or set {ENV_KEY}"
        )
    return Cipher(load_or_create_key(key_file), source=f"key file {key_file}")
