"""``{{ amount|yuan }}``: an amount of money with thousands separators and two decimals
(``3,500.00``), for the hardship-aid pages of the console and the portal.

Django's ``intcomma`` follows the active locale, and the zh-hans locale has no thousands
separator (``THOUSAND_SEPARATOR = ""``, grouping by 4), so it would print ``3500.00`` on every
Chinese page; amounts here are read by finance staff used to ``3,500.00``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


def format_yuan(value) -> str:
    """``Decimal("3500")`` → ``"3,500.00"``; ``None`` or blank → ``""``. Never goes through
    float (an amount is a Decimal or its text)."""
    if value is None or value == "":
        return ""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format(amount.quantize(Decimal("0.01")), ",.2f")


@register.filter
def yuan(value) -> str:
    return format_yuan(value)
