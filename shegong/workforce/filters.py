"""Filters of the worker, session and volunteer lists, exports and API."""

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.regions.fields import RegionFilter, region_q
from shegong.stations.models import Station

from .models import Attendance, CertificateLevel, Session, SocialWorker, StationAssignment, Volunteer

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class WorkerFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("Name"), field_name="name", lookup_expr="icontains")
    station = django_filters.ModelChoiceFilter(
        label=_("Station"), queryset=Station.objects.none(), method="by_station", empty_label=_("All")
    )
    certificate_level = django_filters.ChoiceFilter(
        label=_("Certificate level"), choices=CertificateLevel.choices, empty_label=_("All")
    )
    # The dashboards' drill-down: workers on post today at a station of the place.
    region = RegionFilter(label=_("Place (region code)"), method="by_region")

    class Meta:
        model = SocialWorker
        fields = ["name", "station", "certificate_level", "region"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only stations the user may see can be chosen.
        self.filters["station"].queryset = Station.objects.visible_to(actor)

    def by_station(self, queryset, name, value: int):  # the API receives the station's id
        return queryset.filter(assignments__station=value, assignments__end__isnull=True).distinct()

    def by_region(self, queryset, name, value: str):
        today = timezone.localdate()
        on_post = StationAssignment.objects.filter(region_q("station__region__code", value), start__lte=today).filter(
            Q(end__isnull=True) | Q(end__gte=today)
        )
        return queryset.filter(pk__in=on_post.values("worker_id"))


class SessionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Session.Kind.choices, empty_label=_("All"))
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="date", lookup_expr="year", min_value=1900, max_value=2999, decimal_places=0
    )
    topic = django_filters.CharFilter(label=_("Topic"), field_name="topic", lookup_expr="icontains")
    # The dashboards' drill-down: sessions of a period held for the place or attended by a worker
    # then on post at one of its stations (whose hours the place's figures count).
    region = RegionFilter(label=_("Place (region code)"), method="by_region")
    date_from = django_filters.DateFilter(label=_("From"), field_name="date", lookup_expr="gte", widget=DATE)
    date_to = django_filters.DateFilter(label=_("To"), field_name="date", lookup_expr="lte", widget=DATE)

    class Meta:
        model = Session
        fields = ["kind", "year", "topic", "region", "date_from", "date_to"]

    def by_region(self, queryset, name, value: str):
        # One filter() call, so that the three conditions hold for the same assignment.
        on_post = Attendance.objects.filter(
            region_q("worker__assignments__station__region__code", value),
            Q(worker__assignments__end__isnull=True) | Q(worker__assignments__end__gte=F("session__date")),
            worker__assignments__start__lte=F("session__date"),
        )
        return queryset.filter(Q(region_q("region__code", value)) | Q(pk__in=on_post.values("session_id")))


class VolunteerFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("Name"), field_name="name", lookup_expr="icontains")
    station = django_filters.ModelChoiceFilter(
        label=_("Station"), field_name="station", queryset=Station.objects.none(), empty_label=_("All")
    )

    class Meta:
        model = Volunteer
        fields = ["name", "station"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only stations the user may see can be chosen.
        self.filters["station"].queryset = Station.objects.visible_to(actor)
