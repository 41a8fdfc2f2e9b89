"""The form renderer: Django's own, except that a plain ``<select>`` is written in Python.

Django draws every ``<option>`` through two template includes. A county official's visit filter
lists 370 villages and 80 social workers: drawing those options took 40 % of the page (175 ms of
a 440 ms page, profiled). The HTML written here is the same as Django's templates give
(``django/forms/widgets/select.html``, ``select_option.html``, ``attrs.html``), escaped the same
way; every other widget, and a select whose template a widget changed, goes through the templates.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"')
    return "".join(out)


def render_select(widget: dict) -> str | None:
    """The select's HTML, or None when something in it is not the plain case (the templates draw it)."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            if option.get("template_name") != OPTION:
                return None
            parts.append(f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                         f"{conditional_escape(option['label'])}</option>\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class Renderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT:
            html = render_select(context["widget"])
            if html is not None:
                return mark_safe(html)  # noqa: S308 - every value above is escaped
        return super().render(template_name, context, request)
