"""Filters of the worker, session and volunteer lists, exports and API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from shegong.stations.models import Station

from .models import CertificateLevel, Session, SocialWorker, Volunteer


class WorkerFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(label=_("Name"), field_name="name", lookup_expr="icontains")
    station = django_filters.ModelChoiceFilter(
        label=_("Station"), queryset=Station.objects.none(), method="by_station", empty_label=_("All")
    )
    certificate_level = django_filters.ChoiceFilter(
        label=_("Certificate level"), choices=CertificateLevel.choices, empty_label=_("All")
    )

    class Meta:
        model = SocialWorker
        fields = ["name", "station", "certificate_level"]

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only stations the user may see can be chosen.
        self.filters["station"].queryset = Station.objects.visible_to(actor)

    def by_station(self, queryset, name, value: int):  # the API receives the station's id
        return queryset.filter(assignments__station=value, assignments__end__isnull=True).distinct()


class SessionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Session.Kind.choices, empty_label=_("All"))
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="date", lookup_expr="year", min_value=1900, max_value=2999, decimal_places=0
    )
    topic = django_filters.CharFilter(label=_("Topic"), field_name="topic", lookup_expr="icontains")

    class Meta:
        model = Session
        fields = ["kind", "year", "topic"]


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
