"""Hardship assistance endpoints: files, applications and their review steps, objections,
budgets, the finance queue, payment batches and payment results, campaigns and visits.

Every read goes through ``restrict`` (or :mod:`gonghui.assistance.queries`); every write
calls an action. Bank accounts leave the server masked; health, disability, household,
situation and home-visit findings only with ``assistance.view_sensitive`` on the file.
Amounts are decimal strings ("1234.50"), never floats. Recording a payment result needs an
``Idempotency-Key`` header (UUID): a repeated call answers the first call's response.

One module per router group; this package mounts them on ``router``, which
``config/api.py`` adds under /assistance/. Operation ids are given explicitly, so they stay
the ones of the former single module (``gonghui_assistance_api_<view>``).
"""

from ninja import Router

from gonghui.assistance.api.application_routes import applications
from gonghui.assistance.api.campaign_routes import campaigns, visits
from gonghui.assistance.api.file_routes import files
from gonghui.assistance.api.money_routes import batches, budgets, items
from gonghui.assistance.api.objection_routes import objections

router = Router()

router.add_router("/files/", files)
router.add_router("/applications/", applications)
router.add_router("/objections/", objections)
router.add_router("/budgets/", budgets)
router.add_router("/items/", items)
router.add_router("/payment-batches/", batches)
router.add_router("/campaigns/", campaigns)
router.add_router("/visits/", visits)
