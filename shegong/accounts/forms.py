"""Forms of the accounts pages. Choices always come from what the acting user may reach."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from shegong.core.scoping import assignments_of, regions_within_reach
from shegong.regions.models import Level, Region
from shegong.stations.models import Operator

from .roles import GRANTABLE_BY, Role


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The username or password is not correct. After 5 failures the account is locked for 15 minutes at this address."),
        "inactive": _("This account has been deactivated."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}", "autofocus": True}
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(_("The code is six digits."))
        return token


def grantable_regions(actor):
    """Places where ``actor`` may grant roles: at or under its own, down to townships."""
    return regions_within_reach(actor, GRANTABLE_BY).exclude(level=Level.VILLAGE)


def grantable_roles(actor):
    roles = set()
    for held in assignments_of(actor):
        roles |= GRANTABLE_BY.get(held.role, set())
    return [(r.value, r.label) for r in Role if r in roles]


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        indent = "\u3000" * (obj.level - 1)
        return f"{indent}{obj.name}（{obj.code}）"


class AssignmentForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    region = RegionChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, empty_label=_("Choose a region")
    )
    operator = forms.ModelChoiceField(
        label=_("Operator"),
        queryset=Operator.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("Required for an operator manager; optional employer for station staff."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = grantable_roles(actor)
        self.fields["region"].queryset = grantable_regions(actor)
        self.fields["operator"].queryset = Operator.objects.visible_to(actor)


class UserCreateForm(AssignmentForm):
    username = forms.RegexField(
        label=_("Username"),
        regex=r"^[A-Za-z0-9_.-]{3,150}$",
        error_messages={"invalid": _("3 to 150 letters, digits, dots, dashes or underscores.")},
    )
    name = forms.CharField(label=_("Full name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)

    field_order = ["username", "name", "phone", "role", "region", "operator"]


class UserEditForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; common passwords are refused."),
    )
    new_password2 = forms.CharField(label=_("New password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("The two passwords differ."))
        return data
