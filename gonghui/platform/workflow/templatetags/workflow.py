"""``{% transitions obj "portal" as transition_buttons %}``: the declared transitions a user is
offered on one face (see gonghui/platform/workflow/faces.py)."""

from django import template

from gonghui.platform.workflow.faces import offers

register = template.Library()


@register.simple_tag(takes_context=True)
def transitions(context, obj, face="console"):
    request = context.get("request")
    if request is None or obj is None:
        return []
    return offers(obj, request.user, face)
