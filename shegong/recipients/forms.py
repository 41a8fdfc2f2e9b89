"""Forms of the registry pages. Place and household choices always come from what the acting user
may reach; the services check everything again and have the last word."""

from __future__ import annotations

from datetime import date

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from shegong.core.uploads import MAX_UPLOAD_BYTES

from . import idnumber
from .models import CHILD_AGE, Category, FollowUpLevel, Relation, SelfCare, Sex, Status
from .selectors import households_of_village, villages_to_register

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NEW_HOUSEHOLD = "new"


class NoEchoInput(forms.TextInput):
    """A text input that never writes a submitted value back into the page (an ID number
    searched for must not appear in the answer)."""

    def format_value(self, value):
        return None


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.parent.name} {obj.name}" if obj.parent_id else obj.name


class HouseholdChoiceField(forms.ChoiceField):
    """The households of the chosen village (the choices follow the village)."""

    default_error_messages = {"invalid_choice": _("Choose a household of the chosen village.")}


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class RecipientForm(forms.Form):
    """Registration of a person. The edit form below starts from the same fields."""

    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"), max_length=40, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
        help_text=_("18 characters; full-width digits are accepted. Sex and birth date follow from it."),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DATE)
    phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})
    )
    village = VillageChoiceField(label=_("Village or community"), queryset=None, to_field_name="code", empty_label=_("Choose a village"))
    household = HouseholdChoiceField(label=_("Household"), required=False)
    new_head_name = forms.CharField(
        label=_("Head of the new household"), max_length=50, required=False,
        help_text=_("Only for a new household whose head is someone else."),
    )
    relation = forms.ChoiceField(label=_("Relation to the head"), choices=[("", "—"), *Relation.choices], required=False)
    registered_address = forms.CharField(label=_("Registered address (户籍地址)"), max_length=200, required=False)
    current_address = forms.CharField(label=_("Current address (现住址)"), max_length=200, required=False)
    categories = forms.MultipleChoiceField(
        label=_("Categories"), choices=Category.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one category.")},
    )
    follow_up_level = forms.ChoiceField(label=_("Follow-up level"), choices=FollowUpLevel.choices, initial=FollowUpLevel.GENERAL)
    self_care = forms.ChoiceField(label=_("Self-care ability"), choices=SelfCare.choices, initial=SelfCare.UNKNOWN)
    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=50, required=False)
    guardian_relation = forms.CharField(label=_("Guardian's relation"), max_length=30, required=False)
    guardian_phone = forms.CharField(
        label=_("Guardian's phone"), max_length=30, required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    FIELDSETS = (
        (_("Person"), ("name", "id_number", "sex", "birth_date", "phone")),
        (_("Place and household"), ("village", "household", "new_head_name", "relation", "registered_address", "current_address")),
        (_("Categories and follow-up"), ("categories", "follow_up_level", "self_care")),
        (_("Guardian (required for a child under 14)"), ("guardian_name", "guardian_relation", "guardian_phone")),
        (_("Notes"), ("notes",)),
    )
    GUARDIAN_FIELDS = ("guardian_name", "guardian_relation", "guardian_phone")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        village = self.fields["village"]
        village.queryset = villages_to_register(actor)
        village.widget.attrs.update({
            "hx-get": reverse_lazy("recipients:household_options"), "hx-target": "#id_household", "hx-swap": "innerHTML",
        })
        self.households = list(households_of_village(actor=actor, region_code=self._village_code()))
        self.fields["household"].choices = household_choices(self.households)
        self.parsed_id = None

    def _village_code(self) -> str:
        if self.is_bound:
            return (self.data.get(self.add_prefix("village")) or "").strip()
        initial = self.initial.get("village")
        return getattr(initial, "code", initial) or ""

    @property
    def fieldsets(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]

    # --- checks across fields ---------------------------------------------------------------

    def stored(self, field: str) -> bool:
        """Whether the person already has this sensitive value (only when editing)."""
        return False

    def clean_id_number(self):
        raw = self.cleaned_data.get("id_number", "")
        if raw.strip():
            try:
                self.parsed_id = idnumber.parse(raw)
            except idnumber.InvalidIdNumber as exc:
                raise forms.ValidationError(str(exc)) from None
        return raw.strip()

    def clean(self):
        data = super().clean()
        has_id = bool(self.parsed_id) or self.stored("id_number")
        if not has_id and "id_number" not in self.errors:
            for key in ("sex", "birth_date"):
                if not data.get(key) and key not in self.errors:
                    self.add_error(key, _("Required when no ID number is given."))
        birth = self.parsed_id.birth_date if self.parsed_id else data.get("birth_date")
        if birth and age_on(birth, date.today()) < CHILD_AGE:
            for key in self.GUARDIAN_FIELDS:
                if not (data.get(key) or "").strip() and not (key == "guardian_phone" and self.stored(key)) and key not in self.errors:
                    self.add_error(key, _("Required for a child under 14."))
        self._clean_household(data)
        return data

    def _clean_household(self, data) -> None:
        choice = data.get("household") or ""
        data["new_household"] = choice == NEW_HOUSEHOLD
        data["household"] = None
        if choice == NEW_HOUSEHOLD:
            if data.get("relation") != Relation.HEAD and not (data.get("new_head_name") or "").strip():
                self.add_error("new_head_name", _("Give the name of the head, or choose “head of household” as the relation."))
        elif choice:
            data["household"] = next((h for h in self.households if str(h.pk) == choice), None)
            if data["household"] is None:
                self.add_error("household", _("Choose a household of the chosen village."))

    def service_fields(self) -> dict:
        """The cleaned values as ``services_registry.register_person`` takes them."""
        data = dict(self.cleaned_data)
        data["region_code"] = data.pop("village").code
        if self.parsed_id:  # sex and birth date follow from the number; the service checks any given
            for key in ("sex", "birth_date"):
                if not data.get(key):
                    data.pop(key, None)
        return data


def household_choices(households) -> list:
    choices = [("", _("No household")), (NEW_HOUSEHOLD, _("New household"))]
    choices += [(str(h.pk), f"{h.head_name}{' · ' + h.address if h.address else ''}") for h in households]
    return choices


class RecipientEditForm(RecipientForm):
    """The same fields; the ID and phone numbers start empty (the masked value as help), and are
    replaced only when a new value is typed."""

    clear_phone = forms.BooleanField(label=_("Remove the phone number"), required=False)
    clear_guardian_phone = forms.BooleanField(label=_("Remove the guardian's phone number"), required=False)

    FIELDSETS = (
        (_("Person"), ("name", "id_number", "sex", "birth_date", "phone", "clear_phone")),
        *RecipientForm.FIELDSETS[1:3],
        (_("Guardian (required for a child under 14)"), ("guardian_name", "guardian_relation", "guardian_phone", "clear_guardian_phone")),
        RecipientForm.FIELDSETS[4],
    )

    def __init__(self, *args, recipient, **kwargs):
        self.recipient = recipient
        kwargs.setdefault("initial", initial_of(recipient))
        super().__init__(*args, **kwargs)
        for field, masked in (("id_number", recipient.id_masked), ("phone", recipient.phone_masked),
                              ("guardian_phone", recipient.guardian_phone_masked)):
            if masked:
                self.fields[field].help_text = _("Leave empty to keep %(masked)s.") % {"masked": masked}
        if recipient.id_masked:  # sex and birth date follow from the stored number
            for field in ("sex", "birth_date"):
                self.fields[field].disabled = True
                self.fields[field].help_text = _("Follows from the ID number.")
        if not recipient.phone_masked:
            del self.fields["clear_phone"]
        if not recipient.guardian_phone_masked:
            del self.fields["clear_guardian_phone"]

    @property
    def fieldsets(self):
        return [(legend, [self[n] for n in names if n in self.fields]) for legend, names in self.FIELDSETS]

    def stored(self, field: str) -> bool:
        if field == "id_number":
            return bool(self.recipient.id_masked)
        if field == "guardian_phone":
            return bool(self.recipient.guardian_phone_masked) and not self.data.get(self.add_prefix("clear_guardian_phone"))
        return False

    def service_fields(self) -> dict:
        data = super().service_fields()
        for key in ("sex", "birth_date"):  # values left as they were follow from the (new) number
            if (self.parsed_id or self.recipient.id_masked) and key not in self.changed_data:
                data.pop(key, None)
        for key, clear in (("phone", "clear_phone"), ("guardian_phone", "clear_guardian_phone")):
            data[key] = "" if data.pop(clear, False) else (data.get(key) or None)
        return data


def initial_of(recipient) -> dict:
    """The edit form's starting values (never a full ID or phone number)."""
    from . import services

    keys = ("name", "sex", "birth_date", "relation", "registered_address", "current_address", "follow_up_level",
            "self_care", "guardian_name", "guardian_relation", "notes")
    initial = {k: getattr(recipient, k) for k in keys}
    initial["village"] = recipient.region_id
    initial["household"] = str(recipient.household_id) if recipient.household_id else ""
    initial["categories"] = services.open_categories(recipient)
    return initial


class IdSearchForm(forms.Form):
    id_number = forms.CharField(
        label=_("ID number"), max_length=40,
        widget=NoEchoInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
        error_messages={"required": _("Type the ID number to look for.")},
    )


class StatusForm(forms.Form):
    new_status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=200, required=False,
        help_text=_("Required when the file is closed, the person moved away or died."),
    )
    on = forms.DateField(label=_("Date"), widget=DATE, initial=date.today)


class AttachmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"), widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.docx,.xlsx"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("PDF, JPEG, PNG, Word (.docx) or Excel (.xlsx), at most %(mb)s MB.") % {
            "mb": MAX_UPLOAD_BYTES // (1024 * 1024)
        }


class HouseholdForm(forms.Form):
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    head = forms.ModelChoiceField(label=_("Head of household"), queryset=None, required=False, empty_label=_("Not chosen"))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = members
