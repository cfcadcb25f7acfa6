import pytest

from gonghui.rights.mediation.testing import Staff


@pytest.fixture
def staff(tree):
    return Staff(tree)
