"""Maintenance of the sealed private-file tree: sealing plaintext files written before files
were encrypted (``manage.py seal_private_files``) and re-encrypting files under the primary
key after a key rotation (``manage.py rotate_pii_keys``).

Each file is rewritten next to itself (a ``.sealing-`` temporary, mode 0600) and moved over
the original with ``os.replace``, so a reader sees either the old or the new file, never a
half-written one, and a run that is stopped can simply be started again: files already in the
wanted state are skipped. The original modification time is kept (the import-file retention
purge reads it for files no job references).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages

from gonghui.platform.pii import crypto
from gonghui.platform.pii.files import (
    DIRECTORY_MODE,
    FILE_MODE,
    SEGMENT_SIZE,
    SealedFileError,
    SealedFileSystemStorage,
    open_sealed,
    sealed_key_id,
    write_sealed,
)

TEMP_PREFIX = ".sealing-"


def sealed_roots() -> list[Path]:
    """The locations of the configured storages that seal (normally just var/private)."""
    roots = []
    for alias in settings.STORAGES:
        storage = storages[alias]
        if isinstance(storage, SealedFileSystemStorage):
            root = Path(storage.location)
            if root not in roots:
                roots.append(root)
    return roots


def private_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root`` in a stable order (symlinks and our own temporary
    files are skipped)."""
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(directory) / name
            if name.startswith(TEMP_PREFIX) or path.is_symlink() or not path.is_file():
                continue
            yield path


def _chunks(handle) -> Iterator[bytes]:
    yield from iter(lambda: handle.read(SEGMENT_SIZE), b"")


def reseal(path: Path, *, ring: crypto.KeyRing, plaintext: bool) -> None:
    """Rewrite ``path`` sealed under the ring's primary key (from plaintext, or from a sealed
    file under any key of the ring)."""
    before = path.stat()
    temp = path.with_name(f"{TEMP_PREFIX}{path.name}.{secrets.token_hex(4)}")
    opener = (lambda: open(path, "rb")) if plaintext else (lambda: open_sealed(path, ring=ring))
    try:
        with opener() as source:
            write_sealed(str(temp), _chunks(source), ring=ring)
        os.utime(temp, ns=(before.st_atime_ns, before.st_mtime_ns))
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fix_modes(root: Path, path: Path, dry_run: bool, seen: set[Path]) -> int:
    """Make ``path`` 0600 and its directories up to ``root`` 0700 (each directory looked at
    once, ``seen``); returns how many changed."""
    changed = 0
    targets = [(path, FILE_MODE)]
    parent = path.parent
    while parent not in seen and (parent == root or root in parent.parents):
        seen.add(parent)
        targets.append((parent, DIRECTORY_MODE))
        if parent == root:
            break
        parent = parent.parent
    for target, mode in targets:
        if stat.S_IMODE(target.stat().st_mode) != mode:
            changed += 1
            if not dry_run:
                os.chmod(target, mode)
    return changed


def walk(
    *,
    ring: crypto.KeyRing,
    seal_plaintext: bool,
    rekey: bool,
    dry_run: bool = False,
    fix_modes: bool = False,
    progress: Callable[[Counter], None] | None = None,
    progress_every: int = 500,
    roots: list[Path] | None = None,
) -> tuple[Counter, list[str]]:
    """Visit every private file; returns the counts and the files that could not be handled.

    Counts: ``files`` seen, ``current`` (sealed under the primary key), ``sealed`` (plaintext
    sealed now, or that would be with ``dry_run``), ``plaintext`` (left as it is),
    ``rekeyed`` (re-encrypted under the primary key), ``old_key`` (left under another key),
    ``modes_fixed`` and ``failed``.
    """
    counts: Counter = Counter()
    failed: list[str] = []
    seen: set[Path] = set()
    for root in roots if roots is not None else sealed_roots():
        if not root.is_dir():
            continue
        for path in private_files(root):
            counts["files"] += 1
            label = str(path.relative_to(root))
            try:
                key_id = sealed_key_id(path)
                if key_id is None:
                    outcome = "sealed" if seal_plaintext else "plaintext"
                elif key_id != ring.primary_id:
                    outcome = "rekeyed" if rekey else "old_key"
                else:
                    outcome = "current"
                if outcome in ("sealed", "rekeyed") and not dry_run:
                    reseal(path, ring=ring, plaintext=key_id is None)
                if fix_modes:
                    counts["modes_fixed"] += _fix_modes(root, path, dry_run, seen)
            except FileNotFoundError:
                counts["vanished"] += 1  # deleted meanwhile (the retention purge)
                continue
            except (SealedFileError, crypto.DecryptionError, OSError) as exc:
                counts["failed"] += 1
                failed.append(f"{label}: {exc}")
                continue
            counts[outcome] += 1
            if progress and counts["files"] % progress_every == 0:
                progress(counts)
    return counts, failed
