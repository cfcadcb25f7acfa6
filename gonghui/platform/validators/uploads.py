"""Uploaded documents checked by what they are, not by what they are called.

A supporting document (a pay slip, a contract, a photo of an injury) is accepted when its
first bytes are those of a PDF, a JPEG or a PNG and it is at most :data:`MAX_UPLOAD_BYTES`;
the name and the browser's content type are never trusted. :func:`check_upload` reads the
upload once for its SHA-256 and rewinds it, ready to be saved; it raises :class:`UploadError`
(a ``ValueError`` with a ``code``) whose ``message`` is a translatable sentence the user reads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# The real type found at the start of the file, and the extension it is stored under.
ALLOWED_UPLOAD_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024

_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


class UploadError(ValueError):
    def __init__(self, message, code: str):
        super().__init__(str(message))
        self.message = message
        self.code = code


def sniff(head: bytes) -> str | None:
    """The content type of a file starting with ``head`` (PDF, JPEG, PNG), else ``None``."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    extension: str
    size: int
    sha256: str
    original_name: str


def check_upload(upload, *, limit: int = MAX_UPLOAD_BYTES) -> CheckedUpload:
    """Check an uploaded file (Django ``UploadedFile`` or ``File``): not empty, at most
    ``limit`` bytes, a PDF, JPEG or PNG by its content. Rewinds it for saving."""
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise UploadError(_("The uploaded file is empty."), code="empty_upload")
    if size > limit:
        raise UploadError(_("Files may be at most 10 MB."), code="upload_too_large")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff(head)
    if content_type is None:
        raise UploadError(_("Upload a PDF, JPEG or PNG file."), code="upload_type")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    original = (getattr(upload, "name", "") or "document").replace("\\", "/").rsplit("/", 1)[-1]
    return CheckedUpload(
        content_type=content_type,
        extension=ALLOWED_UPLOAD_TYPES[content_type],
        size=size,
        sha256=digest.hexdigest(),
        original_name=original[:200] or "document",
    )
