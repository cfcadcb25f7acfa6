"""``manage.py import_file``: an operator imports a file from the server's disk as a staff
user, with that user's permission and scope, past the upload size limit, and the job is the
same as an upload's (counts, error workbook, audit)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from gonghui.members.models import Membership
from gonghui.platform.audit.models import AuditEvent
from gonghui.platform.imports import actions
from gonghui.platform.imports.models import ImportJob, ImportStatus
from gonghui.platform.imports.tests.rosterdata import make_roster, write_csv
from gonghui.platform.pii.testing import use_private_root
from gonghui.platform.testing.factories import staff_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    use_private_root(settings, tmp_path / "private")


def _file(tree, tmp_path, n=60):
    roster = make_roster(n, org_codes=[tree.grassroots.pk], broken_every=20, seed=41)
    path = tmp_path / "migration.csv"
    write_csv(roster.table, path)
    return path


def test_an_operator_imports_a_file_bigger_than_an_upload_may_be(tree, tmp_path, monkeypatch):
    path = _file(tree, tmp_path)
    monkeypatch.setattr(actions, "MAX_UPLOAD_BYTES", 100)  # the console would refuse it
    out = io.StringIO()
    call_command(
        "import_file", str(path), org=str(tree.yubei.pk), user=tree.yubei_admin.username, stdout=out
    )
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.error_count) == (57, 3)
    assert job.created_by == tree.yubei_admin and job.org == tree.yubei
    assert job.error_file  # the broken rows, as for an upload
    assert Membership.objects.filter(org=tree.grassroots).count() == 57
    assert "57 created" in out.getvalue() and "3 with errors" in out.getvalue()
    assert AuditEvent.objects.filter(action="imports.load_file", actor=tree.yubei_admin).exists()


def test_the_user_needs_the_permission_and_the_union_in_scope(tree, tmp_path):
    path = _file(tree, tmp_path, n=5)
    with pytest.raises(CommandError, match="outside"):
        call_command(
            "import_file", str(path), org=str(tree.jiangbei.pk), user=tree.yubei_admin.username
        )
    viewer = staff_with_role(tree.yubei, "viewer", username="yubei_viewer")
    with pytest.raises(CommandError, match="may not import"):
        call_command("import_file", str(path), org=str(tree.yubei.pk), user=viewer.username)
    assert not ImportJob.objects.exists()


def test_a_file_the_importer_cannot_read_fails_with_the_reason(tree, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("hello\nworld\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command(
            "import_file", str(path), org=str(tree.yubei.pk), user=tree.yubei_admin.username
        )
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED and job.message
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_file", str(tmp_path / "x.csv"), org="1", user="nobody")
