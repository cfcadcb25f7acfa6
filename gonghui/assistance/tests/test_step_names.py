"""Who did a step, as the case history shows it: a person's name, never an account's id."""

import pytest

from gonghui.assistance.actions._common import _display_name
from gonghui.platform.testing.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_worker_account_without_a_person_record_is_named_as_the_worker():
    worker = MemberFactory(username="m-b36dcc5a0f754ddaa5b1", display_name="")
    name = _display_name(worker)
    assert name == "The worker herself" and "m-" not in name


def test_staff_keep_their_display_name():
    staff = UserFactory(display_name="渝北区帮扶专干")
    assert _display_name(staff) == "渝北区帮扶专干"
