import pytest

from gonghui.rights.testing import Staff


@pytest.fixture
def staff(tree):
    return Staff(tree)
