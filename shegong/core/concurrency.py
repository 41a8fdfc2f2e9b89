"""Edit conflicts: when two people edit the same record, the second save is refused.

A record that people edit carries a ``version`` number. A form (or API request) carries the version
it was read at; :func:`save_versioned` writes only if the row is still at that version, in one
``UPDATE … WHERE version = n``, and moves it to ``n + 1``. Nothing is overwritten: the second
person is told who saved in between and asked to reload.

(django-concurrency does the same with a field class and a save() override; its releases do not
declare support for Django 6, and the check is one conditional UPDATE, so it is written here.)
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class EditConflict(ValidationError):
    """The record changed since the person began editing it."""


def conflict_message() -> str:
    return _(
        "Someone else saved this record while you were editing it. Nothing of yours was saved: "
        "reload the page to see their changes, then make yours again."
    )


def save_versioned(obj: models.Model, expected_version: int | None, fields: list[str]) -> None:
    """Write ``fields`` of ``obj`` only if its row is still at ``expected_version``.

    On success ``obj.version`` is the new number. Raises :class:`EditConflict` and writes nothing
    when another save came first. ``auto_now`` fields are refreshed too.
    """
    if expected_version is None:
        expected_version = obj.version
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if getattr(field, "auto_now", False):
            field.pre_save(obj, add=False)
        values[field.attname] = getattr(obj, field.attname)
    for field in obj._meta.concrete_fields:
        if getattr(field, "auto_now", False) and field.attname not in values:
            values[field.attname] = field.pre_save(obj, add=False)
    with transaction.atomic():
        updated = type(obj)._base_manager.filter(pk=obj.pk, version=expected_version).update(
            version=F("version") + 1, **values
        )
        if not updated:
            raise EditConflict(conflict_message(), code="conflict")
    obj.version = expected_version + 1


class VersionField(forms.IntegerField):
    """The hidden form field that carries the version a form was read at."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("required", True)
        kwargs.setdefault("error_messages", {"required": gettext_lazy("The form is missing its version: reload the page.")})
        super().__init__(**kwargs)


class VersionedFormMixin:
    """For a ModelForm of a versioned model: carries ``version`` and refuses a stale save.

    The view calls ``form.save_versioned()`` instead of ``form.save()`` for an existing record;
    a conflict becomes a form error and nothing is written.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"] = VersionField()
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    def save_versioned(self, extra_fields: tuple[str, ...] = ()) -> models.Model | None:
        """Save an edit; returns the instance, or None after adding the conflict as a form error."""
        obj = self.instance
        fields = [
            f.name for f in obj._meta.concrete_fields
            if f.name in self.cleaned_data and f.name != "version" and not f.primary_key
        ]
        try:
            save_versioned(obj, self.cleaned_data["version"], [*fields, *extra_fields])
        except EditConflict as exc:
            self.add_error(None, exc.messages)
            return None
        self._save_m2m()
        return obj
