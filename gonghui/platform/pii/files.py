"""Private files (uploaded rosters, error workbooks, hardship attachments) sealed at rest.

:class:`SealedFileSystemStorage` is the project's default storage (``STORAGES["default"]`` in
``config/settings.py``): every ``FileField`` writes through it, and a system check
(``pii.E002``, ``checks.py``) fails when one does not. Files are created mode 0600 in
directories of mode 0700 and are readable only through the storage, which decrypts.

Format (one file)::

    header   = MAGIC (8) | key id length (1) | key id | segment size (4, big-endian) | file id (16)
    segment  = nonce (12) | AES-256-GCM ciphertext of up to ``segment size`` bytes | tag (16)
    file     = header | segment 0 | segment 1 | ... | final segment

* The key of a file is derived from the ring's key named in the header (HKDF-SHA256, the
  random file id as salt), so no two files share a key and random nonces never repeat in
  practice. The first key of ``GONGHUI_PII_KEYS`` encrypts, every key decrypts:
  ``manage.py rotate_pii_keys`` re-encrypts files whose header names another key.
* Each segment's associated data is the whole header, the segment index and a "final" flag:
  reordering or dropping segments, truncating the file at a segment boundary, splicing
  segments from another file or changing the key id all fail authentication
  (:class:`SealedFileError`).
* Writing and reading go one segment (64 KiB) at a time: memory stays flat whatever the size,
  and a download streams. Readers are seekable (the plaintext size follows from the file
  size), which ``FileResponse`` uses for Content-Length and calamine for xlsx.

A file without the magic is not read (a plaintext file written before sealing, or a file put
there by hand): ``manage.py seal_private_files`` seals those in place.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_makedirs
from django.utils.deconstruct import deconstructible

from gonghui.platform.pii import crypto

logger = logging.getLogger(__name__)

MAGIC = b"GHSEAL01"
SEGMENT_SIZE = 64 * 1024
NONCE_SIZE = 12
TAG_SIZE = 16
OVERHEAD = NONCE_SIZE + TAG_SIZE
FILE_ID_SIZE = 16
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700
HKDF_INFO = b"gonghui private file v1"
_MIN_SEGMENT, _MAX_SEGMENT = 1024, 16 * 1024 * 1024


class SealedFileError(crypto.DecryptionError):
    """A private file is not sealed, was changed, or its key is not in the ring."""


@dataclass(frozen=True)
class Header:
    key_id: str
    segment_size: int
    file_id: bytes

    @property
    def raw(self) -> bytes:
        key_id = self.key_id.encode("ascii")
        return b"".join(
            (
                MAGIC,
                bytes([len(key_id)]),
                key_id,
                struct.pack(">I", self.segment_size),
                self.file_id,
            )
        )

    @classmethod
    def new(cls, key_id: str, segment_size: int = SEGMENT_SIZE) -> Header:
        return cls(key_id=key_id, segment_size=segment_size, file_id=os.urandom(FILE_ID_SIZE))


def read_header(handle) -> Header | None:
    """The header at the start of ``handle`` (left positioned after it), or None when the
    file does not start with the magic (plaintext). Raises for a damaged header."""
    if handle.read(len(MAGIC)) != MAGIC:
        return None
    length = handle.read(1)
    key_id = handle.read(length[0]) if length else b""
    rest = handle.read(4 + FILE_ID_SIZE)
    if not length or len(key_id) != length[0] or len(rest) != 4 + FILE_ID_SIZE:
        raise SealedFileError("truncated private-file header")
    try:
        key_text = key_id.decode("ascii")
    except UnicodeDecodeError as exc:
        raise SealedFileError("bad key id in private-file header") from exc
    (segment_size,) = struct.unpack(">I", rest[:4])
    if not key_text.isalnum() or not _MIN_SEGMENT <= segment_size <= _MAX_SEGMENT:
        raise SealedFileError("bad private-file header")
    return Header(key_id=key_text, segment_size=segment_size, file_id=rest[4:])


def sealed_key_id(path: str | os.PathLike) -> str | None:
    """The key id a file at ``path`` is sealed under, or None when it is plaintext."""
    with open(path, "rb") as handle:
        header = read_header(handle)
    return header.key_id if header else None


def _file_cipher(ring: crypto.KeyRing, header: Header) -> AESGCM:
    try:
        master = ring.key(header.key_id)
    except crypto.DecryptionError as exc:
        raise SealedFileError(f"private file sealed under unknown key {header.key_id!r}") from exc
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=header.file_id, info=HKDF_INFO)
    return AESGCM(key.derive(master))


def _aad(header_raw: bytes, index: int, final: bool) -> bytes:
    return header_raw + struct.pack(">QB", index, 1 if final else 0)


class SealWriter:
    """Encrypts what is written to it into ``out`` segment by segment; ``close()`` writes the
    final segment (an empty one if the plaintext is a whole number of segments or empty)."""

    def __init__(self, out, *, ring: crypto.KeyRing | None = None):
        ring = ring or crypto.key_ring()
        self.header = Header.new(ring.primary_id)
        self._raw_header = self.header.raw
        self._cipher = _file_cipher(ring, self.header)
        self._out = out
        self._buffer = bytearray()
        self._index = 0
        self.plaintext_size = 0
        out.write(self._raw_header)

    def _emit(self, data: bytes, final: bool) -> None:
        nonce = os.urandom(NONCE_SIZE)
        aad = _aad(self._raw_header, self._index, final)
        self._out.write(nonce + self._cipher.encrypt(nonce, bytes(data), aad))
        self._index += 1

    def write(self, data: bytes) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.plaintext_size += len(data)
        self._buffer += data
        size = self.header.segment_size
        # A segment is written only once a byte after it is known to exist: the last one
        # must carry the final flag.
        while len(self._buffer) > size:
            self._emit(self._buffer[:size], final=False)
            del self._buffer[:size]

    def close(self) -> None:
        self._emit(self._buffer, final=True)
        self._buffer = bytearray()


def seal_chunks(chunks, out, *, ring: crypto.KeyRing | None = None) -> Header:
    writer = SealWriter(out, ring=ring)
    for chunk in chunks:
        writer.write(chunk)
    writer.close()
    return writer.header


class SealedReader(io.RawIOBase):
    """A seekable, read-only view of the plaintext of a sealed file.

    Opening checks the header, the key and the first segment, so a wrong key or a damaged
    start fails before a download begins; later segments are checked as they are read.
    """

    def __init__(self, raw, *, ring: crypto.KeyRing | None = None):
        super().__init__()
        self._raw = raw
        try:
            header = read_header(raw)
            if header is None:
                raise SealedFileError("private file is not sealed")
            self.header = header
            self.key_id = header.key_id
            self._raw_header = header.raw
            self._cipher = _file_cipher(ring or crypto.key_ring(), header)
            body = os.fstat(raw.fileno()).st_size - len(self._raw_header)
            self._stride = header.segment_size + OVERHEAD
            self._segments = -(-body // self._stride) if body > 0 else 0
            last = body - (self._segments - 1) * self._stride
            if self._segments == 0 or last < OVERHEAD:
                raise SealedFileError("private file is truncated")
            self.size = (self._segments - 1) * header.segment_size + last - OVERHEAD
            self._pos = 0
            self._cached: tuple[int, bytes] | None = None
            self._segment(0)
        except BaseException:
            raw.close()
            raise

    def _segment(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        final = index == self._segments - 1
        self._raw.seek(len(self._raw_header) + index * self._stride)
        blob = self._raw.read(self._stride)
        try:
            plain = self._cipher.decrypt(
                blob[:NONCE_SIZE], blob[NONCE_SIZE:], _aad(self._raw_header, index, final)
            )
        except Exception as exc:  # InvalidTag: changed, reordered, truncated or spliced
            raise SealedFileError(f"private file segment {index} fails authentication") from exc
        self._cached = (index, plain)
        return plain

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        position = base + offset
        if position < 0:
            raise ValueError("negative seek position")
        self._pos = position
        return position

    def readinto(self, buffer) -> int:
        if self._pos >= self.size:
            return 0
        index, offset = divmod(self._pos, self.header.segment_size)
        plain = self._segment(index)
        count = min(len(buffer), len(plain) - offset)
        buffer[:count] = plain[offset : offset + count]
        self._pos += count
        return count

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def open_sealed(path: str | os.PathLike, *, ring: crypto.KeyRing | None = None):
    """A buffered binary reader of the plaintext of the sealed file at ``path``."""
    reader = SealedReader(open(path, "rb"), ring=ring)
    return io.BufferedReader(reader, buffer_size=reader.header.segment_size)


def plaintext_size(path: str | os.PathLike) -> int:
    """The plaintext size of a sealed file, from its header and size (nothing decrypted)."""
    with open(path, "rb") as handle:
        header = read_header(handle)
        if header is None:
            raise SealedFileError("private file is not sealed")
        body = os.fstat(handle.fileno()).st_size - len(header.raw)
    stride = header.segment_size + OVERHEAD
    segments = -(-body // stride) if body > 0 else 0
    if segments == 0:
        raise SealedFileError("private file is truncated")
    return body - segments * OVERHEAD


def create_private_file(path: str) -> int:
    """A new file at ``path`` opened for writing, mode 0600; FileExistsError if it exists."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # whatever the umask
    return fd


def write_sealed(path: str, chunks, *, ring: crypto.KeyRing | None = None) -> Header:
    """Seal ``chunks`` into a new file at ``path`` (removed again if anything fails)."""
    fd = create_private_file(path)
    try:
        with os.fdopen(fd, "wb") as out:
            header = seal_chunks(chunks, out, ring=ring)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise
    return header


@deconstructible(path="gonghui.platform.pii.files.SealedFileSystemStorage")
class SealedFileSystemStorage(FileSystemStorage):
    """A file-system storage whose files are sealed at rest (see the module docstring).

    ``open()`` returns the plaintext for reading only; files are written only by ``save()``.
    ``path()`` still names the sealed file on disk (for the maintenance commands).
    """

    def __init__(self, location=None, base_url=None, **kwargs):
        kwargs["file_permissions_mode"] = FILE_MODE
        kwargs["directory_permissions_mode"] = DIRECTORY_MODE
        kwargs.pop("allow_overwrite", None)
        super().__init__(location=location, base_url=base_url, **kwargs)

    def _open(self, name, mode="rb"):
        if set(mode) - {"r", "b"}:
            raise ValueError("sealed private files are opened for reading only")
        return File(open_sealed(self.path(name)), name=name)

    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        try:
            safe_makedirs(directory, DIRECTORY_MODE, exist_ok=True)
        except FileExistsError as exc:
            raise FileExistsError(f"{directory} exists and is not a directory.") from exc
        # Never move an upload's temporary file into place (it is plaintext): always stream
        # it through the cipher.
        while True:
            try:
                write_sealed(full_path, content.chunks())
            except FileExistsError:
                name = self.get_available_name(name)
                full_path = self.path(name)
            else:
                break
        return os.path.relpath(full_path, self.location).replace("\\", "/")

    def size(self, name):
        return plaintext_size(self.path(name))


def open_for_download(fieldfile):
    """``fieldfile`` opened for a download response (``FileResponse`` streams the plaintext).

    A missing file (deleted under its retention period) answers 404; so does a file that fails
    authentication (changed on disk, or its key removed from the ring), which is also logged
    as an error for the operators: it is never served.
    """
    from django.http import Http404

    try:
        return fieldfile.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    except crypto.DecryptionError:
        logger.error("private file %s cannot be decrypted", fieldfile.name)
        raise Http404 from None
