"""The upload check: a file is what its first bytes say, never what its name says."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gonghui.platform.validators.uploads import UploadError, check_upload, sniff

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.mark.parametrize(
    ("content", "expected", "extension"),
    [(PDF, "application/pdf", ".pdf"), (PNG, "image/png", ".png"), (JPEG, "image/jpeg", ".jpg")],
)
def test_a_pdf_jpeg_or_png_is_accepted_whatever_its_name(content, expected, extension):
    upload = SimpleUploadedFile("C:\\Users\\wang\\工资条.txt", content, "text/plain")
    checked = check_upload(upload)
    assert checked.content_type == expected
    assert checked.extension == extension
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.original_name == "工资条.txt"
    assert upload.read() == content  # rewound, ready to be saved


def test_a_renamed_program_is_refused():
    upload = SimpleUploadedFile("合同.pdf", b"MZ\x90\x00" + b"\x00" * 40, "application/pdf")
    with pytest.raises(UploadError) as exc:
        check_upload(upload)
    assert exc.value.code == "upload_type"
    assert sniff(b"<html>") is None


def test_an_empty_file_and_a_file_over_the_limit_are_refused():
    with pytest.raises(UploadError) as exc:
        check_upload(SimpleUploadedFile("a.pdf", b"", "application/pdf"))
    assert exc.value.code == "empty_upload"
    with pytest.raises(UploadError) as exc:
        check_upload(SimpleUploadedFile("a.pdf", PDF + b"0" * 100), limit=50)
    assert exc.value.code == "upload_too_large"
