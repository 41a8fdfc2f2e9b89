"""The referral form of a casework record (资源链接 / 转介): a person of the record, a resource of
their township within reach or another agency, the reason, and the household need it answers.
Phone first: people and resources are large radio choices, the date defaults to today."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shegong.core.flow import submit
from shegong.core.scoping import CHANGE
from shegong.recipients.models import NeedItem, Resource
from shegong.recipients.services_needs import OPEN_NEED_STATUSES

from . import attachments, referrals

# Beyond this many choices a select is shorter to scroll than a list of radio buttons.
RADIO_LIMIT = 12


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.region.name}"


class ResourceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.get_kind_display()}"


class NeedField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        who = f"{obj.recipient.name}：" if obj.recipient_id else ""
        return f"{who}{obj.description} ({obj.get_domain_display()})"


class RecordReferralForm(forms.Form):
    recipient = PersonField(label=gettext_lazy("Person"), queryset=None, empty_label=None,
                            widget=forms.RadioSelect)
    resource = ResourceField(label=gettext_lazy("Resource of the township"), queryset=None, required=False,
                             empty_label=gettext_lazy("None: another agency"))
    agency = forms.CharField(label=gettext_lazy("Or another agency"), max_length=200, required=False,
                             help_text=gettext_lazy("Name the agency when it is not in the resource database."))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}))
    need = NeedField(label=gettext_lazy("Need it answers"), queryset=None, required=False,
                     empty_label=gettext_lazy("None recorded"))
    referred_on = forms.DateField(label=gettext_lazy("Referred on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, owner, user, **kwargs):
        super().__init__(*args, **kwargs)
        people = referrals.people_choices(owner, user)
        self.fields["recipient"].queryset = people
        township = attachments.owner_region(owner)[:9]
        resources = Resource.objects.visible_to(user).filter(region__code__under=township, active=True).order_by("name")
        self.fields["resource"].queryset = resources
        if resources.count() <= RADIO_LIMIT:
            self.fields["resource"].widget = forms.RadioSelect()
            self.fields["resource"].widget.choices = self.fields["resource"].choices
        households = people.exclude(household__isnull=True).values("household_id")
        self.fields["need"].queryset = (
            NeedItem.objects.visible_to(user).filter(status__in=OPEN_NEED_STATUSES)
            .filter(Q(recipient__in=people.values("pk")) | Q(assessment__household_id__in=households))
            .select_related("recipient").order_by("-assessment__assessed_on", "pk")
        )

    def clean(self):
        data = super().clean()
        if bool(data.get("resource")) == bool((data.get("agency") or "").strip()):
            raise forms.ValidationError(_("Choose a resource or name another agency (one of the two)."))
        return data


@login_required
def refer(request, owner_kind, owner_pk):
    """Refer a person of a visit, case, group or activity to a resource or another agency."""
    owner = attachments.owner_for(request.user, owner_kind, owner_pk, CHANGE)
    if owner is None:
        raise Http404
    person = attachments.owner_recipient(owner)
    initial = {"referred_on": timezone.localdate(), "recipient": request.GET.get("recipient") or getattr(person, "pk", None)}
    form = RecordReferralForm(request.POST or None, owner=owner, user=request.user, initial=initial)
    back = attachments.owner_url(owner)
    if request.method == "POST" and form.is_valid():
        done = submit(
            request, form, lambda **data: referrals.refer_from(owner, user=request.user, **data),
            error_field="reason", denied_field="recipient", success=_("The referral has been recorded."),
            then=lambda referral: redirect(back or reverse("recipients:referral_update", kwargs={"pk": referral.pk})),
        )
        if done:
            return done
    return render(request, "casework/refer.html", {
        "form": form, "owner": owner, "owner_kind": owner_kind, "owner_label": attachments.owner_label(owner),
        "back": back, "has_people": form.fields["recipient"].queryset.exists(),
    })


urlpatterns = [
    path("refer/<str:owner_kind>/<int:owner_pk>/", refer, name="refer"),
]
