"""How a progress bar is drawn under the Content Security Policy, which refuses `style="width: N%"`.

`<div class="progress-bar {{ value|bar_width }}">` gives the bar the class `bar-N` (N a whole percentage from 0 to
100), whose width static/css/portal.css declares; a missing or odd value draws an empty bar, a value past 100 a full
one, as the browser drew the old inline widths.
"""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def bar_width(value) -> str:
    """`{{ 42.4|bar_width }}` -> "bar-42"; None, "" or anything not a number -> "bar-0"."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return "bar-0"
    if not number.is_finite():
        return "bar-0"
    percent = int(number.quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    return f"bar-{min(max(percent, 0), 100)}"
