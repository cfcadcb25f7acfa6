"""Scoping fails closed: a model with a scoped manager that names no org is a system check
error, and restrict() refuses it instead of returning the whole table."""

# Throwaway models of isolated app registries need no __str__.
# ruff: noqa: DJ008

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.test.utils import isolate_apps

from gonghui.platform.access import scoping
from gonghui.platform.access.scoped import ScopedModel
from gonghui.platform.access.scoping import (
    ScopedManager,
    check_scoped_models,
    register_partner_scope,
    restrict,
)


def _e001(registry) -> set[str]:
    """The models that ``access.E001`` names in ``registry`` (an isolated app registry)."""
    return {
        error.obj.__name__
        for error in check_scoped_models(app_configs=registry.get_app_configs())
        if error.id == "access.E001"
    }


def test_the_check_names_every_scoped_model_without_a_scope():
    with isolate_apps("gonghui.platform.access", "gonghui.orgs") as registry:

        class NoScope(models.Model):
            objects = ScopedManager()

            class Meta:
                app_label = "access"

        class InheritsNoScope(ScopedModel):
            class Meta:
                app_label = "access"

        class WithField(ScopedModel):
            scope_org_field = "org"
            org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE)

            class Meta:
                app_label = "access"

        class WithFields(models.Model):
            scope_org_fields = ("org",)
            org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE)
            objects = ScopedManager()

            class Meta:
                app_label = "access"

        class PlainManager(models.Model):
            class Meta:
                app_label = "access"

        assert _e001(registry) == {"NoScope", "InheritsNoScope"}


def test_a_registered_partner_scope_counts_as_a_scope():
    with isolate_apps("gonghui.platform.access") as registry:

        class PartnerOnly(models.Model):
            objects = ScopedManager()

            class Meta:
                app_label = "access"

        assert _e001(registry) == {"PartnerOnly"}
        register_partner_scope(lambda user, perm, model: None, models=("access.PartnerOnly",))
        try:
            assert _e001(registry) == set()
        finally:
            scoping._partner_hooks.pop()
            scoping._partner_scoped_models.discard("access.PartnerOnly")


def test_every_installed_model_declares_its_scope():
    assert [e.msg for e in check_scoped_models(app_configs=apps.get_app_configs())] == []


@isolate_apps("gonghui.platform.access")
def test_restrict_refuses_a_scoped_model_without_a_scope(monkeypatch):
    class Unscoped(models.Model):
        objects = ScopedManager()

        class Meta:
            app_label = "access"

    # The user holds the permission at the root: before, this returned every row (Q()).
    root_grant = scoping.GrantScope(1, "0001", True, frozenset({"access.view_unscoped"}))
    monkeypatch.setattr(scoping, "grant_scopes", lambda user: [root_grant])
    user = object()
    with pytest.raises(ImproperlyConfigured, match="declares no scope"):
        restrict(Unscoped, user, "view")
    with pytest.raises(ImproperlyConfigured, match="declares no scope"):
        Unscoped.objects.restrict(user, "view")


def test_own_is_refused_for_a_model_without_an_owner_field():
    with isolate_apps("gonghui.platform.access"):

        class NoOwner(models.Model):
            scope_org_field = "org"
            objects = ScopedManager()

            class Meta:
                app_label = "access"

        with pytest.raises(ImproperlyConfigured, match="declares no owner_field"):
            NoOwner.objects.own(object())
