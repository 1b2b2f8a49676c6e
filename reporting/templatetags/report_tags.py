"""Filters of the progress report's HTML (the PDF and its preview): the content stores dates as ISO strings."""

from django import template

from reporting.render import day as format_day

register = template.Library()


@register.filter
def day(value) -> str:
    """`{{ "2025-03-01"|day }}` -> "1 Mar 2025"."""
    return format_day(value)
