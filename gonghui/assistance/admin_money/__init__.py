"""Console pages for the money of hardship assistance and for the annual review: budgets, the
finance queue of approved, unpaid items, payment batches with the bank file, and the yearly
review with its recorded spot-check draw.

Reads go through ``restrict`` / ``get_scoped_or_404``; every write calls
:mod:`gonghui.assistance.actions`.

One module per area: budgets and the finance queue, payment batches, the annual review.
Importing this package registers their admins on the console site.
"""

# isort: off
# Registration order is the order of the former single module (and of the console's URLs).
from gonghui.assistance.admin_money.budgets import AidItemAdmin, BudgetAdmin
from gonghui.assistance.admin_money.batches import PaymentBatchAdmin
from gonghui.assistance.admin_money.annual_review import AnnualReviewAdmin
# isort: on

__all__ = [
    "AidItemAdmin",
    "AnnualReviewAdmin",
    "BudgetAdmin",
    "PaymentBatchAdmin",
]
