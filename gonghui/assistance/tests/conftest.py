import pytest

from gonghui.assistance.testing import Staff, budgets


@pytest.fixture
def staff(tree):
    return Staff(tree)


@pytest.fixture
def funded(tree, staff):
    """Budgets of 100,000 yuan per money aid type at the district (渝北)."""
    return budgets(tree.yubei, staff.finance)
