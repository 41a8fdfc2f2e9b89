"""Operators (承接主体): the social work organisations that staff the stations."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

from shegong.core.scoping import ScopedManager, ScopeRule


def validate_credit_code(value: str) -> None:
    """A unified social credit code (统一社会信用代码) with a valid check character."""
    if not uscc.is_valid(value):
        raise ValidationError(
            _("“%(value)s” is not a valid unified social credit code."), params={"value": value}
        )


class Operator(models.Model):
    """A registered social work organisation that can hold purchase contracts."""

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("registered in"),
        on_delete=models.PROTECT,
        related_name="+",
        db_column="region_code",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedManager()

    scope = ScopeRule(
        region="region__code",
        operator="pk",
        roles={"view": {"bureau", "admin", "operator_manager"}, "change": {"bureau", "admin"}},
    )

    class Meta:
        verbose_name = _("operator")
        verbose_name_plural = _("operators")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        self.credit_code = uscc.compact(self.credit_code or "")
