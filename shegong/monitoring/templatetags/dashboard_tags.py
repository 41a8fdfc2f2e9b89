"""``{{ value|num }}``: a dashboard figure written as its tables write it (see ``selectors.number``):
whole numbers without decimals, others with one; cheaper than ``floatformat``, which localises every
number, on pages of several hundred figures."""

from django import template

from shegong.monitoring.selectors import number

register = template.Library()


@register.filter
def num(value):
    return number(value)
