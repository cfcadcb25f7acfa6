import pytest

from gonghui.assistance.testing import make_person
from gonghui.rights.legalaid.testing import Staff


@pytest.fixture
def staff(tree):
    return Staff(tree)


@pytest.fixture
def worker(tree):
    """A member of 渝北's grassroots union with a portal account."""
    return make_person(tree.grassroots, account=True, phone="13700003333", name="陈静")
