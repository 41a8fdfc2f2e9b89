"""The five-level administrative division tree, keyed by the official code."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Code length at each level: province 2, prefecture city 4, county 6, township 9, village 12.
CODE_LENGTHS = (2, 4, 6, 9, 12)
LEVEL_BY_LENGTH = {length: level for level, length in enumerate(CODE_LENGTHS, start=1)}


class Level(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    CITY = 2, _("Prefecture city")
    COUNTY = 3, _("County")
    TOWNSHIP = 4, _("Township")
    VILLAGE = 5, _("Village")


def parent_code(code: str) -> str | None:
    """The code of the level above (``210381101`` -> ``210381``), None for a province."""
    level = LEVEL_BY_LENGTH[len(code)]
    return code[: CODE_LENGTHS[level - 2]] if level > 1 else None


def ancestor_codes(code: str) -> list[str]:
    """Codes of every level above ``code``, top first (``210381`` -> ``['21', '2103']``)."""
    return [code[:length] for length in CODE_LENGTHS if length < len(code)]


class RegionQuerySet(models.QuerySet):
    def under(self, code: str):
        """The region ``code`` and everything below it."""
        return self.filter(code__under=code)

    def townships(self):
        return self.filter(level=Level.TOWNSHIP)


class Region(models.Model):
    """One administrative division. Public reference data: not scoped."""

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_column="parent_code",
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"], name="region_level_code")]

    def __str__(self):
        return self.name

    def ancestors(self) -> list["Region"]:
        """The regions above this one, top first (one query)."""
        codes = ancestor_codes(self.code)
        found = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [found[c] for c in codes if c in found]

    def path(self) -> list["Region"]:
        """Ancestors and this region, top first."""
        return [*self.ancestors(), self]

    def full_name(self) -> str:
        return "".join(r.name for r in self.path())
