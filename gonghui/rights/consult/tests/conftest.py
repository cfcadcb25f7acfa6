import pytest

from gonghui.assistance.testing import make_person
from gonghui.platform.testing.factories import staff_with_role
from gonghui.rights.consult.testing import law_firm, lawyer


class World:
    """渝北 keeps a law firm, 江北 another; the city keeps none. A worker of a 渝北 grassroots
    union, one of 江北, one on file nowhere; staff at the city and at 渝北."""

    def __init__(self, tree):
        self.tree = tree
        self.firm = law_firm(tree.yubei)
        self.other_firm = law_firm(tree.jiangbei, "重庆江北某律师事务所")
        self.lawyer = lawyer(self.firm, "yg_lawyer")
        self.other_lawyer = lawyer(self.other_firm, "jb_lawyer")
        self.worker = make_person(tree.grassroots, 1, account=True, phone="13700001111")
        self.jb_worker = make_person(tree.jb_grassroots, 2, account=True, phone="13700002222")
        self.city_staff = staff_with_role(tree.city, "rights_officer", username="city_rights")
        self.yubei_staff = staff_with_role(tree.yubei, "rights_officer", username="yb_rights")
        self.jiangbei_staff = staff_with_role(tree.jiangbei, "rights_officer", username="jb_rights")


@pytest.fixture
def world(tree):
    return World(tree)
