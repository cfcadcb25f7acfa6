import pytest

from gonghui.rights.testing import Staff


@pytest.fixture
def staff(tree):
    return Staff(tree)


@pytest.fixture(autouse=True)
def _fresh_deadline_table():
    """The table's days are kept in memory until a row changes; a test's rolled-back edit
    must not reach the next test."""
    from gonghui.rights import deadlines

    deadlines.forget()
    yield
    deadlines.forget()
