"""The sealed private-file format and storage: round trips, modes, streaming memory, tamper
detection, key rotation (``rotate_pii_keys``) and sealing old plaintext files
(``seal_private_files``)."""

from __future__ import annotations

import io
import os
import stat
import tracemalloc
from pathlib import Path

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import FileResponse, Http404

from config.env import new_pii_key
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.pii import files
from gonghui.platform.pii.files import MAGIC, OVERHEAD, SEGMENT_SIZE, SealedFileError

SEG = SEGMENT_SIZE


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _save(data: bytes, name: str = "t/doc.bin") -> str:
    return default_storage.save(name, ContentFile(data))


def _read(name: str) -> bytes:
    with default_storage.open(name) as handle:
        return handle.read()


def _path(name: str) -> Path:
    return Path(default_storage.path(name))


@pytest.fixture
def keys(settings):
    """A ring with one known key ``k1``; returns a function that rotates to a new first key."""
    old = f"k1:{new_pii_key()}"
    settings.GONGHUI_PII_KEYS = old

    def rotate(key_id="k2", keep_old=True):
        new = f"{key_id}:{new_pii_key()}"
        settings.GONGHUI_PII_KEYS = f"{new},{old}" if keep_old else new
        return new

    return rotate


# --- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG + 5])
def test_round_trip_at_segment_edges(size, db):
    data = os.urandom(size)
    name = _save(data)
    raw = _path(name).read_bytes()
    assert raw.startswith(MAGIC)
    segments = max(1, -(-size // SEG))  # the last one carries the final flag
    header = files.read_header(io.BytesIO(raw))
    assert len(raw) == len(header.raw) + size + OVERHEAD * segments
    assert _read(name) == data
    assert default_storage.size(name) == size
    assert _mode(_path(name)) == 0o600
    assert _mode(_path(name).parent) == 0o700
    assert _mode(default_storage.location) == 0o700


def test_reader_seeks_and_response_has_the_plaintext_length(db):
    data = bytes(range(256)) * 1000  # 256,000 bytes: four segments
    name = _save(data)
    with default_storage.open(name) as handle:
        handle.seek(SEG + 10)
        assert handle.read(20) == data[SEG + 10 : SEG + 30]
        handle.seek(-5, io.SEEK_END)
        assert handle.read() == data[-5:]
    response = FileResponse(default_storage.open(name), as_attachment=True, filename="x.bin")
    assert int(response["Content-Length"]) == len(data)
    assert b"".join(response.streaming_content) == data


def test_only_reading_is_allowed(db):
    name = _save(b"abc")
    with pytest.raises(ValueError):
        default_storage.open(name, "wb")


def test_an_upload_larger_than_memory_is_streamed_not_moved(db, tmp_path):
    """A big upload (Django keeps it in a temporary file) is encrypted chunk by chunk; the
    plaintext temporary file is never moved into the private tree."""
    from django.core.files.uploadedfile import TemporaryUploadedFile

    upload = TemporaryUploadedFile("big.csv", "text/csv", 0, "utf-8")
    chunk = b"500112198501010011,13800138000\n" * 2048
    for _ in range(60):  # ~3.8 MB
        upload.write(chunk)
    upload.seek(0)
    name = default_storage.save("imports/big.csv", upload)
    assert os.path.exists(upload.temporary_file_path())  # still there: copied, not moved
    raw = _path(name).read_bytes()
    assert b"500112198501010011" not in raw
    assert _read(name) == chunk * 60
    upload.close()


def test_memory_stays_flat_for_a_large_file(db):
    def chunks():
        for i in range(160):  # 10 MiB in 64 KiB pieces, never all in memory
            yield bytes([i % 251]) * SEG

    class Chunked(File):
        def chunks(self, chunk_size=None):
            return chunks()

    tracemalloc.start()
    try:
        name = default_storage.save("t/large.bin", Chunked(io.BytesIO(), name="large.bin"))
        _current, peak_write = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        total = 0
        with default_storage.open(name) as handle:
            for piece in iter(lambda: handle.read(4096), b""):
                total += len(piece)
        _current, peak_read = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == 160 * SEG
    assert peak_write < 2 * 1024 * 1024, peak_write
    assert peak_read < 2 * 1024 * 1024, peak_read


# --- tamper detection ------------------------------------------------------------------------


def _sealed_three_segments() -> tuple[str, bytes, bytearray, int]:
    data = os.urandom(2 * SEG + 100)
    name = _save(data)
    raw = bytearray(_path(name).read_bytes())
    header_len = len(raw) - (2 * (SEG + OVERHEAD) + 100 + OVERHEAD)
    return name, data, raw, header_len


def _read_all_raises(name: str) -> None:
    with pytest.raises(SealedFileError):
        _read(name)


def test_a_changed_byte_is_detected(db):
    name, _data, raw, header_len = _sealed_three_segments()
    raw[header_len + SEG + OVERHEAD + 40] ^= 1  # inside segment 1
    _path(name).write_bytes(raw)
    with default_storage.open(name) as handle:  # segment 0 is fine and opens
        assert len(handle.read(SEG)) == SEG
        with pytest.raises(SealedFileError):
            handle.read(10)


@pytest.mark.parametrize("change", ["drop_last", "swap", "append", "cut_mid", "key_id"])
def test_truncation_reordering_and_header_changes_are_detected(change, db):
    name, _data, raw, header_len = _sealed_three_segments()
    stride = SEG + OVERHEAD
    body = raw[header_len:]
    segs = [body[i : i + stride] for i in range(0, len(body), stride)]
    if change == "drop_last":  # a whole number of segments, the final one missing
        raw = raw[:header_len] + segs[0] + segs[1]
    elif change == "swap":
        raw = raw[:header_len] + segs[1] + segs[0] + segs[2]
    elif change == "append":
        raw = raw + segs[2]
    elif change == "cut_mid":
        raw = raw[: header_len + stride + 100]
    else:
        raw[len(MAGIC) + 1] = ord("x")  # key id "k1" -> "x1"
    _path(name).write_bytes(bytes(raw))
    _read_all_raises(name)


def test_a_segment_spliced_from_another_file_is_detected(db):
    name, _data, raw, header_len = _sealed_three_segments()
    _other, _d, other_raw, _h = _sealed_three_segments()
    stride = SEG + OVERHEAD
    raw[header_len : header_len + stride] = other_raw[header_len : header_len + stride]
    _path(name).write_bytes(bytes(raw))
    _read_all_raises(name)


def test_a_plaintext_file_is_not_served(db, client, tree):
    """A file without the header (dropped in by hand, or never sealed) is refused, and a
    download of a tampered attachment answers 404 and logs an error."""
    from gonghui.assistance.testing import Staff, make_person, png, staff_application

    staff = Staff(tree)
    app = staff_application(staff, tree.grassroots, make_person(tree.grassroots))
    from gonghui.assistance import actions

    att = actions.upload_attachment(
        actor=staff.officer, file=app.file, kind="id_copy", upload=png("id.png")
    )
    _path(att.content.name).write_bytes(b"\x89PNG forged")
    _read_all_raises(att.content.name)
    with pytest.raises(Http404):
        files.open_for_download(att.content)


# --- key rotation ----------------------------------------------------------------------------


def test_rotation_reencrypts_files_and_the_old_key_can_go(db, keys):
    names = [_save(f"文件 {i} 500112198501010011".encode() * 5000, f"t/r{i}.bin") for i in range(3)]
    assert {files.sealed_key_id(_path(n)) for n in names} == {"k1"}
    mtime = _path(names[0]).stat().st_mtime_ns
    new = keys("k2")

    out = io.StringIO()
    call_command("rotate_pii_keys", "--dry-run", stdout=out)
    assert {files.sealed_key_id(_path(n)) for n in names} == {"k1"}

    out = io.StringIO()
    call_command("rotate_pii_keys", stdout=out)
    assert "private files: 3 seen, 3 re-encrypted" in out.getvalue()
    assert {files.sealed_key_id(_path(n)) for n in names} == {"k2"}
    assert _path(names[0]).stat().st_mtime_ns == mtime
    assert all(_mode(_path(n)) == 0o600 for n in names)
    event = AuditEvent.objects.filter(action="pii.rotate_keys").latest("id")
    assert event.details["files"]["rekeyed"] == 3

    from django.conf import settings

    settings.GONGHUI_PII_KEYS = new  # the old key removed: files still read
    assert _read(names[1]) == "文件 1 500112198501010011".encode() * 5000

    out = io.StringIO()
    call_command("rotate_pii_keys", stdout=out)  # idempotent
    assert "private files: 3 seen, 0 re-encrypted, 3 already under k2" in out.getvalue()
    assert not list(Path(default_storage.location).rglob(".sealing-*"))


def test_rotation_stops_on_a_file_no_key_opens_and_leaves_it(db, keys):
    name = _save(b"secret" * 100)
    before = _path(name).read_bytes()
    keys("k3", keep_old=False)  # k1 is gone: this file cannot be re-encrypted
    with pytest.raises(CommandError, match="could not be re-encrypted"):
        call_command("rotate_pii_keys", stdout=io.StringIO(), stderr=io.StringIO())
    assert _path(name).read_bytes() == before


# --- sealing files written before ------------------------------------------------------------


def test_seal_private_files_seals_plaintext_in_place(db):
    root = Path(default_storage.location)
    legacy = root / "assistance" / "ab" / "0123456789abcdef"
    legacy.parent.mkdir(parents=True, mode=0o755)
    legacy.parent.chmod(0o755)
    content = b"%PDF-1.4 500112198501010011 " + os.urandom(200_000)
    legacy.write_bytes(content)
    legacy.chmod(0o644)
    os.utime(legacy, (1_600_000_000, 1_600_000_000))
    current = _save(b"already sealed", "imports/2026/01/x.csv")

    with pytest.raises(CommandError, match="plaintext"):
        call_command("seal_private_files", "--check", stdout=io.StringIO())
    assert legacy.read_bytes() == content  # --check changes nothing

    out = io.StringIO()
    call_command("seal_private_files", stdout=out)
    assert "2 files: sealed 1, already sealed 1" in out.getvalue()
    raw = legacy.read_bytes()
    assert raw.startswith(MAGIC) and b"500112198501010011" not in raw
    assert _read("assistance/ab/0123456789abcdef") == content
    assert _read(current) == b"already sealed"
    assert _mode(legacy) == 0o600
    assert _mode(legacy.parent) == _mode(legacy.parent.parent) == _mode(root) == 0o700
    assert legacy.stat().st_mtime == 1_600_000_000
    assert AuditEvent.objects.filter(action="pii.seal_files").get().details["sealed"] == 1

    out = io.StringIO()
    call_command("seal_private_files", stdout=out)  # idempotent
    assert "sealed 0" in out.getvalue()
    call_command("seal_private_files", "--check", stdout=io.StringIO())  # passes now
    assert AuditEvent.objects.filter(action="pii.seal_files").count() == 1
