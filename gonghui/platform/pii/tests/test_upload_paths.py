"""Every way a file reaches var/private is sealed at rest (issue #11, finding 6).

One case per upload path the product has: the console roster import (xlsx and CSV) and its
error workbook, the console visits import and its error workbook, hardship attachments from
the console (upload page and home-visit step), the portal and the API, and the scanned duty
letter. Each case uploads through the real entry point and returns what was stored; the test
then checks the bytes on disk (no plaintext, header magic), the modes (0600 files, 0700
directories) and that the product's own reader gets the original back (the download view, or
the import job that read the roster).

``test_every_file_field_has_an_upload_case`` fails when a model gains a FileField without a
case here, so the next upload path is covered too.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from gonghui.assistance.choices import ApplicationState
from gonghui.assistance.models import Attachment
from gonghui.assistance.testing import Staff, advance, budgets, make_person, staff_application
from gonghui.orgs import building
from gonghui.orgs.models import DutyLetter, DutyLevel
from gonghui.platform.imports.models import ImportJob, ImportKind, ImportStatus
from gonghui.platform.imports.tests.rosterdata import make_roster, write_xlsx
from gonghui.platform.pii import files
from gonghui.platform.pii.checks import unsealed_file_fields
from gonghui.platform.testing.factories import staff_with_role

pytestmark = pytest.mark.django_db

SECRET_ID = "500112198501010011"
# A PDF whose text is the kind of thing attachments hold: an ID number and a diagnosis.
PDF = (
    b"%PDF-1.4\n% ID copy and medical bill\n1 0 obj << /Name (" + SECRET_ID.encode() + b") "
    b"/Diagnosis (chronic kidney disease, dialysis) >> endobj\n" + b"0" * 70_000 + b"\n%%EOF\n"
)


@dataclass
class Stored:
    """What an upload path stored: the field file, the original bytes, what must never be
    seen on disk, and the product's own read of it (``None``: the import job read it)."""

    fieldfile: object
    original: bytes | None
    secrets: list[bytes]
    downloaded: bytes | None = None


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.GONGHUI_IMPORT_RUNNER = "inline"


def _body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


def _slices(data: bytes) -> list[bytes]:
    """Pieces of ``data`` that would be on disk if it were stored as it is."""
    middle = len(data) // 2
    return [data[:32], data[middle : middle + 32], data[-32:]]


# --- the upload paths ------------------------------------------------------------------------


def _roster_job(client, tree, upload, capture) -> ImportJob:
    client.force_login(tree.yubei_admin)
    with capture(execute=True):  # the import runs when the confirmation's transaction commits
        response = client.post(
            reverse("console:imports_importjob_add"), {"org": tree.yubei.pk, "file": upload}
        )
        assert response.status_code == 302, response.content[:500]
        job = ImportJob.objects.get()
        # the upload waits on its preview (imports/preview.py) until its uploader starts it
        client.post(reverse("console:imports_importjob_do", args=[job.pk, "confirm"]))
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.message
    assert job.created_count > 0  # the job read the sealed upload through the storage
    return job


def roster_xlsx(client, tree, django_capture_on_commit_callbacks):
    roster = make_roster(60, org_codes=[tree.grassroots.pk])
    buffer = io.BytesIO()
    write_xlsx(roster.table, buffer)
    upload = SimpleUploadedFile("roster.xlsx", buffer.getvalue())
    job = _roster_job(client, tree, upload, django_capture_on_commit_callbacks)
    return [Stored(job.file, buffer.getvalue(), _slices(buffer.getvalue()))]


def roster_csv_and_error_workbook(client, tree, django_capture_on_commit_callbacks):
    roster = make_roster(60, org_codes=[tree.grassroots.pk], broken_every=10)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(roster.table)
    original = buffer.getvalue().encode("utf-8")
    upload = SimpleUploadedFile("roster.csv", original)
    job = _roster_job(client, tree, upload, django_capture_on_commit_callbacks)
    assert job.error_count > 0 and job.error_file
    ids = [i.encode() for i in roster.valid_ids[:5]]
    errors = _body(client.get(reverse("console:imports_importjob_errors", args=[job.pk])))
    assert load_workbook(io.BytesIO(errors), read_only=True).sheetnames
    return [
        Stored(job.file, original, ids),
        Stored(job.error_file, None, _slices(errors), downloaded=errors),
    ]


def visits_xlsx_and_error_workbook(client, tree, django_capture_on_commit_callbacks):
    officer = staff_with_role(tree.yubei, "assistance_officer", username="yb_visits")
    member = make_person(tree.grassroots, 5, name="王小芳")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "慰问记录"
    sheet.append(["日期", "慰问对象", "身份证号", "人次", "慰问金", "物资折价", "慰问单位"])
    today = timezone.localdate()
    sheet.append([today, "王小芳", member.id_number, 1, 800, "", ""])
    sheet.append([today, "外卖骑手", "", 2, -100, "", ""])  # an error row
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("console:assistance_visit_import"),
            {"org": tree.yubei.pk, "file": SimpleUploadedFile("visits.xlsx", buffer.getvalue())},
        )
        assert response.status_code == 302, response.content[:500]
        job = ImportJob.objects.get(kind=ImportKind.VISITS)
        # the upload waits on its preview until its uploader starts it
        client.post(reverse("console:imports_importjob_do", args=[job.pk, "confirm"]))
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == 1, job.message
    errors = _body(client.get(reverse("console:imports_importjob_errors", args=[job.pk])))
    return [
        Stored(job.file, buffer.getvalue(), _slices(buffer.getvalue())),
        Stored(job.error_file, None, _slices(errors), downloaded=errors),
    ]


def _case(tree):
    staff = Staff(tree)
    budgets(tree.yubei, staff.finance)
    person = make_person(tree.grassroots, account=True)
    return staff, staff_application(staff, tree.grassroots, person)


def _console_download(client, user, attachment) -> bytes:
    client.force_login(user)
    url = reverse("console-assistance-attachment", args=[attachment.public_id])
    return _body(client.get(url))


def _pdf(name="bill.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def attachment_console_upload(client, tree, django_capture_on_commit_callbacks):
    staff, app = _case(tree)
    client.force_login(staff.officer)
    url = reverse("console:assistance_hardshipfile_upload", args=[app.file.pk])
    assert client.post(url, {"kind": "medical_certificate", "upload": _pdf()}).status_code == 302
    att = Attachment.objects.get()
    got = _console_download(client, staff.officer, att)
    return [Stored(att.content, PDF, [SECRET_ID.encode(), b"%PDF", b"kidney"], downloaded=got)]


def attachment_console_home_visit(client, tree, django_capture_on_commit_callbacks):
    staff, app = _case(tree)
    app = advance(staff, app, ApplicationState.HOME_VISIT)
    client.force_login(staff.officer)
    response = client.post(
        reverse("console:assistance_application_step", args=[app.pk, "home_visit"]),
        {
            "visit_date": timezone.localdate().isoformat(),
            "visitors": "张主席",
            "findings": "确有困难",
            "authorisation": _pdf("authorisation.pdf"),
        },
    )
    assert response.status_code == 302
    att = Attachment.objects.get(kind="income_authorisation")
    got = _console_download(client, staff.officer, att)
    return [Stored(att.content, PDF, [SECRET_ID.encode(), b"%PDF"], downloaded=got)]


def attachment_portal(client, tree, django_capture_on_commit_callbacks):
    staff, app = _case(tree)
    member = app.applicant.user
    client.force_login(member)
    response = client.post(
        f"/m/assistance/{app.pk}/upload/", {"kind": "medical_certificate", "upload": _pdf()}
    )
    assert response.status_code == 302
    att = Attachment.objects.get(uploaded_by=member)
    got = _body(client.get(reverse("portal:assistance-attachment", args=[att.public_id])))
    return [Stored(att.content, PDF, [SECRET_ID.encode(), b"%PDF"], downloaded=got)]


def attachment_api(client, tree, django_capture_on_commit_callbacks):
    staff, app = _case(tree)
    client.force_login(staff.officer)
    response = client.post(
        f"/api/v1/assistance/applications/{app.pk}/attachments",
        {"kind": "medical_certificate", "file": _pdf()},
    )
    assert response.status_code == 201, response.content
    att = Attachment.objects.get()
    got = _console_download(client, staff.officer, att)
    return [Stored(att.content, PDF, [SECRET_ID.encode(), b"%PDF"], downloaded=got)]


def duty_letter_console(client, tree, django_capture_on_commit_callbacks):
    duty_list = building.create_duty_list(
        actor=tree.city_admin,
        org=tree.city,
        level=DutyLevel.GRASSROOTS,
        year=timezone.localdate().year,
        title="基层工会责任清单",
        items="落实建会入会工作",
    )
    building.publish_duty_list(actor=tree.city_admin, duty_list=duty_list)
    client.force_login(tree.yubei_admin)
    response = client.post(
        reverse("console:orgs_dutyletter_add"),
        {
            "org": tree.grassroots.pk,
            "list": duty_list.pk,
            "signed_on": timezone.localdate().isoformat(),
            "signed_by": "张三",
            "file": _pdf("letter.pdf"),
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    letter = DutyLetter.objects.get()
    with letter.file.open("rb") as handle:  # no download view: the storage is the reader
        got = handle.read()
    return [Stored(letter.file, PDF, [SECRET_ID.encode(), b"%PDF"], downloaded=got)]


def ticket_attachment_portal_console_api(client, tree, django_capture_on_commit_callbacks):
    """A worker's documents when filing a 12351 ticket on /m/, the operator's on the ticket
    page, the API's; each read back through its own download."""
    from gonghui.rights.models import Ticket, TicketAttachment
    from gonghui.rights.tests.test_portal import FORM

    worker = make_person(tree.grassroots, 1, account=True, phone="13700005555")
    client.force_login(worker.user)
    assert client.post("/m/rights/new/", {**FORM, "files": [_pdf()]}).status_code == 302
    ticket = Ticket.objects.get()
    mine = TicketAttachment.objects.get()
    got = _body(client.get(f"/m/rights/{ticket.pk}/files/{mine.public_id}/"))
    stored = [Stored(mine.content, PDF, [SECRET_ID.encode(), b"%PDF"], downloaded=got)]
    operator = staff_with_role(tree.city, "hotline_operator", username="upload_operator")
    client.force_login(operator)
    upload = reverse("console:rights_ticketattachment_upload", args=[ticket.pk])
    assert client.post(upload, {"upload": _pdf("欠条.pdf")}).status_code == 302
    response = client.post(f"/api/v1/rights/tickets/{ticket.pk}/attachments", {"file": _pdf()})
    assert response.status_code == 201, response.content
    for att in TicketAttachment.objects.exclude(pk=mine.pk):
        url = reverse("console:rights_ticketattachment_download", args=[att.public_id])
        got = _body(client.get(url))
        stored.append(Stored(att.content, PDF, [SECRET_ID.encode(), b"%PDF"], downloaded=got))
    assert len(stored) == 3
    return stored


def legal_aid_document_portal_console(client, tree, django_capture_on_commit_callbacks):
    """A worker's evidence with her legal-aid application on /m/, and a document staff add on
    the application page; read back through the console's download."""
    from gonghui.rights.legalaid.models import AidApplication, AidDocument

    worker = make_person(tree.grassroots, 1, account=True, phone="13700006666")
    client.force_login(worker.user)
    response = client.post(
        "/m/legal-aid/apply/",
        {
            "case_type": "wages",
            "employer_name": "重庆某物流有限公司",
            "facts": "拖欠三个月工资",
            "claims": "支付工资",
            "evidence": _pdf(),
        },
    )
    assert response.status_code == 302, response.content
    app = AidApplication.objects.get()
    officer = staff_with_role(tree.yubei, "rights_officer", username="upload_la_officer")
    client.force_login(officer)
    upload = reverse("console:legalaid_aidapplication_upload", args=[app.pk])
    response = client.post(upload, {"kind": "evidence", "upload": _pdf("工资条.pdf")})
    assert response.status_code == 302
    stored = []
    for doc in AidDocument.objects.all():
        got = _body(
            client.get(reverse("console:legalaid_aiddocument_download", args=[doc.public_id]))
        )
        stored.append(Stored(doc.content, PDF, [SECRET_ID.encode(), b"%PDF"], downloaded=got))
    assert len(stored) == 2
    return stored


UPLOAD_CASES = {
    "rights.TicketAttachment.content": [ticket_attachment_portal_console_api],
    "legalaid.AidDocument.content": [legal_aid_document_portal_console],
    "imports.ImportJob.file": [roster_xlsx, roster_csv_and_error_workbook],
    "imports.ImportJob.error_file": [roster_csv_and_error_workbook, visits_xlsx_and_error_workbook],
    "assistance.Attachment.content": [
        attachment_console_upload,
        attachment_console_home_visit,
        attachment_portal,
        attachment_api,
    ],
    "orgs.DutyLetter.file": [duty_letter_console],
}
ALL_CASES = sorted({case for cases in UPLOAD_CASES.values() for case in cases}, key=str)


def test_every_file_field_has_an_upload_case():
    fields = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    }
    assert fields == set(UPLOAD_CASES), "add a case for each new FileField's upload paths"


def test_every_file_field_stores_through_the_sealing_storage(settings):
    assert unsealed_file_fields() == []
    # The project's settings themselves (not only this test's override) seal.
    from config import settings as project

    assert project.STORAGES["default"]["BACKEND"] == (
        "gonghui.platform.pii.files.SealedFileSystemStorage"
    )
    # A plain storage is reported for every file field (system check pii.E002).
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    assert set(unsealed_file_fields()) == set(UPLOAD_CASES)


def _assert_private(path: Path, root: Path) -> None:
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, oct(path.stat().st_mode)
    parent = path.parent
    while True:
        assert stat.S_IMODE(parent.stat().st_mode) == 0o700, parent
        if parent == root:
            break
        parent = parent.parent


@pytest.mark.parametrize("upload", ALL_CASES, ids=lambda f: f.__name__)
def test_upload_is_sealed_private_and_reads_back(
    upload, client, tree, django_capture_on_commit_callbacks
):
    stored = upload(client, tree, django_capture_on_commit_callbacks)
    root = Path(default_storage.location)
    assert stored
    for item in stored:
        path = Path(default_storage.path(item.fieldfile.name))
        assert root in path.parents  # under the test's own private root, never var/private
        on_disk = path.read_bytes()
        assert on_disk.startswith(files.MAGIC)
        for secret in item.secrets:
            assert secret and secret not in on_disk, secret[:40]
        _assert_private(path, root)
        with default_storage.open(item.fieldfile.name) as handle:
            plain = handle.read()
        if item.original is not None:
            assert plain == item.original
        if item.downloaded is not None:
            assert item.downloaded == plain
        assert default_storage.size(item.fieldfile.name) == len(plain)
        assert os.path.getsize(path) > len(plain)
