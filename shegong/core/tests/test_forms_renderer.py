"""Selects drawn in Python are the very HTML Django's templates draw."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext_lazy as _

from shegong.core.forms_renderer import Renderer


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("", "全部"), ("a", "甲村"), ("b", 'say "<b>&"')])
    grouped = forms.ChoiceField(choices=[("", "—"), ("基础服务", [("1", "入户走访"), ("2", _("Home visit"))]),
                                         ("兜底服务", [("3", "临时救助")])])
    many = forms.MultipleChoiceField(choices=[(1, "一"), (2, "二"), (3, "三")], required=False)
    typed = forms.TypedChoiceField(choices=[(7, "七"), (8, "八")], coerce=int, required=False,
                                   widget=forms.Select(attrs={"class": "wide", "data-x": '"q"', "disabled": True}))


@pytest.mark.parametrize("data", [{}, {"plain": "b", "grouped": "2", "many": ["1", "3"], "typed": "8"},
                                  {"plain": "zzz", "grouped": "<x>"}])
def test_same_html_as_django(data):
    ours = Sample(data or None, renderer=Renderer())
    django = Sample(data or None, renderer=DjangoTemplates())
    for name in Sample.base_fields:
        assert str(ours[name]) == str(django[name]), name
    assert "&lt;b&gt;&amp;" in str(ours["plain"]) and 'data-x="&quot;q&quot;"' in str(ours["typed"])


def test_the_site_uses_it(settings):
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), Renderer)
