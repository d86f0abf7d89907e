"""The counts shown next to 'Forwards' and 'Autoresponders' in the menu."""

from django import template

register = template.Library()


@register.simple_tag
def address_counts(domain) -> dict:
    return {"forwards": domain.forwards.count(),
            "autoresponders": domain.autoresponders.count()}
