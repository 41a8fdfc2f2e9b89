"""``get_<field>_display()`` from a table built once per field and language.

Django's own builds a dict of all the field's choices on every call, hashing each label, and a
lazy label is translated to be hashed: a list of 50 recipients with a category, a sex, a status and
a follow-up level paid for some 2,000 translations per page. Models whose lists show choice labels
mix this in before ``models.Model``. The choices must be fixed (they are: ``TextChoices`` classes).
"""

from django.utils import translation
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_TABLES: dict = {}


class ChoiceLabels:
    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        key = (field, translation.get_language())
        table = _TABLES.get(key)
        if table is None:
            table = _TABLES[key] = {make_hashable(k): str(v) for k, v in field.flatchoices}
        return force_str(table.get(make_hashable(value), value), strings_only=True)
