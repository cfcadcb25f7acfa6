"""Console pages of hardship assistance, one module per area (Django loads ``admin.py``)."""

from gonghui.assistance import admin_campaigns, admin_cases, admin_money  # noqa: F401
