"""Console pages for union building: founding applications, terms and officials, the three
teams, duty lists and responsibility letters. Every write calls an action in
:mod:`gonghui.orgs.building`; the buttons of the declared transitions come from the
declarations. Importing this package registers the pages with the console site."""

from gonghui.orgs.admin_building import common, duties, founding, terms

__all__ = ["common", "duties", "founding", "terms"]
