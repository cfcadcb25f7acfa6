"""The receiving union of a transfer requested from the console (同意转出 to another union):
picked by search, not from a list of every union in the city (100k orgs).

The candidates are the public union directory of active unions that hold members
(``orgs.queries.union_directory``): the receiving union is usually outside the sender's scope,
which is why ``actions.find_receiving_org`` reads the same directory. The form posts the
union's number, as the API's ``TransferIn.to_org`` accepts it."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from gonghui.console.pickers import SearchSelect, search_response
from gonghui.members.actions import MEMBER_ORG_KINDS
from gonghui.orgs.queries import union_directory

SEARCH_URL = reverse_lazy("console:members_membership_transfer_targets")


def transfer_targets(exclude_org_id=None):
    qs = union_directory(MEMBER_ORG_KINDS)
    return qs.exclude(pk=exclude_org_id) if exclude_org_id else qs


def transfer_target_search(request):
    """The picker's answers (``MembershipAdmin`` serves them to who may request a transfer)."""
    return search_response(request, transfer_targets())


class TransferOutForm(forms.Form):
    to_org = forms.ModelChoiceField(
        label=_("Receiving union"),
        queryset=transfer_targets(),
        widget=SearchSelect(SEARCH_URL),
        help_text=_("Type part of its name, its short name or its number, then choose it."),
        error_messages={"invalid_choice": _("Choose an active union that holds members.")},
    )
    employer_name = forms.CharField(
        label=_("New employer or platform"), max_length=200, required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def bind(self, request, obj):
        # The member's own union is no target; the action would refuse it anyway.
        self.fields["to_org"].queryset = transfer_targets(obj.org_id)

    def clean_to_org(self):
        return str(self.cleaned_data["to_org"].pk)  # what execute and the API take
