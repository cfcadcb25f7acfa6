"""The hardship-help card of the portal home (the member's own current application)."""

from django import template

from gonghui.portal.assistance_views import current_application

register = template.Library()


@register.simple_tag
def current_aid_application(user):
    """The member's own application in progress, or None (see ``current_application``)."""
    return current_application(user)
