"""KPI figures and the to-do list over the API (/api/v1/).

``GET /api/v1/kpi/?region=CODE&period=2026`` — a place's scorecard for a period (default: the
current year) with its child places; ``GET /api/v1/kpi/contracts/{id}/`` — a contract's scorecard
against its own targets; ``GET /api/v1/todo/`` — the caller's to-do list. A place the caller may not
read (:func:`access.check`) and a contract outside ``visible_to`` are the same 404 as a missing one;
a malformed period or a missing region is a 400 problem.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.http import Http404
from django.utils import timezone
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from shegong.core.api.validation import validated

from . import access, alerts, kpi
from .periods import Period
from .rollups import UNIT_LENGTH

_CODE = RegexValidator(r"^\d{2,12}$", "Give a region code (digits only).")
STATUSES = ["met", "on_track", "lagging", "no_target"]


# --- Answers -------------------------------------------------------------------------------------


def _number(**kwargs):
    return serializers.CharField(allow_null=True, help_text="A decimal number written as text.", **kwargs)


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="cases, groups_valid, activities, publicity, visit_new, visit_others, …")
    label = serializers.CharField()
    unit = serializers.CharField()
    actual = _number()
    target = _number()
    expected = _number(label="The part of the target due by now")
    completion = _number(label="Actual as a percentage of the target")
    numerator = _number()
    denominator = _number()
    status = serializers.ChoiceField(choices=STATUSES)
    status_label = serializers.CharField()
    source = serializers.CharField(help_text="The policy profile version or contract the target comes from.")
    drill = serializers.CharField(help_text="The page listing the records counted.")


class PeriodSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="2026, 2026-H1, 2026-Q3, 2026-10 or 2026-03..2026-08")
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()


class DomainRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    by_month = serializers.ListField(child=serializers.CharField())
    total = serializers.CharField()


class CategoryRowSerializer(serializers.Serializer):
    category = serializers.CharField()
    label = serializers.CharField()
    people = serializers.CharField()
    visited = serializers.CharField()
    rate = serializers.CharField()


class ChildScorecardSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    stations = serializers.IntegerField()
    figures = serializers.DictField(child=FigureSerializer(), help_text="Figures by key.")


class ScorecardSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    period = PeriodSerializer()
    as_of = serializers.DateField()
    elapsed = serializers.CharField(help_text="Share of the period gone by, in per cent.")
    stations = serializers.IntegerField()
    figures = FigureSerializer(many=True)
    months = serializers.ListField(child=serializers.CharField())
    series = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text="Monthly values of each metric, in the order of months.")
    domains = DomainRowSerializer(many=True)
    categories = CategoryRowSerializer(many=True)
    children = ChildScorecardSerializer(many=True)


class TodoItemSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="visits, cases, certificates, kpi, assessments, resources, contracts, reports")
    kind_label = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True, help_text="The page where it is done.")
    due = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    count = serializers.IntegerField()


class TodoSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    count = serializers.IntegerField(help_text="Things to do in all.")
    overdue = serializers.IntegerField(help_text="Of them overdue.")
    items = TodoItemSerializer(many=True)


# --- Questions -----------------------------------------------------------------------------------


class PeriodField(serializers.CharField):
    """A period as text (``2026``, ``2026-H1``, ``2026-Q3``, ``2026-10``, ``2026-03..2026-08``)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if len(text) > 30:
            raise serializers.ValidationError("Write 2026, 2026-H1, 2026-Q3, 2026-10 or 2026-03..2026-08.")
        try:
            return Period.parse(text)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class KpiQuerySerializer(serializers.Serializer):
    region = serializers.CharField(validators=[_CODE], help_text="Code of the place (province, city, county or township).")
    period = PeriodField(required=False,
                         help_text="2026, 2026-H1, 2026-Q3, 2026-10 or 2026-03..2026-08 (default: the current year).")


class ContractKpiQuerySerializer(serializers.Serializer):
    period = PeriodField(required=False, help_text="Default: the contract's own period.")


def _place_exists(code: str) -> bool:
    """A region, or the county level of a county (``210381000``: its hub and county-wide records)."""
    from shegong.regions.models import Region

    if len(code) == UNIT_LENGTH and code.endswith("000"):
        code = code[:6]
    return Region.objects.filter(code=code).exists()


class _OneObjectSchema(AutoSchema):
    """These GETs answer one object, not a list (they are the router's "list" route)."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class KpiViewSet(viewsets.ViewSet):
    """A place's KPI figures (GET ``?region=&period=``)."""

    schema = _OneObjectSchema()

    @extend_schema(parameters=[KpiQuerySerializer], responses=ScorecardSerializer)
    def list(self, request):
        """The scorecard of ``region`` for ``period``, with each child place's figures (those the
        caller may read). 404 for a place outside the caller's reach."""
        query = validated(KpiQuerySerializer, request.query_params)
        code = query["region"]
        access.check(request.user, code)
        if not _place_exists(code):
            raise Http404
        today = timezone.localdate()
        period = query.get("period") or Period.year(today.year)
        card = access.visible_children(request.user, kpi.scorecard(code, period, today=today))
        return Response(ScorecardSerializer(card.as_dict()).data)


class ContractKpiViewSet(viewsets.ViewSet):
    """A contract's KPI figures against its own targets."""

    lookup_value_regex = r"\d+"

    @extend_schema(parameters=[ContractKpiQuerySerializer], responses=ScorecardSerializer)
    def retrieve(self, request, pk=None):
        """The stations a contract covers, against the contract's KPI targets, for its period (or
        ``period``). 404 for a contract outside the caller's reach."""
        from shegong.contracts.models import Contract

        query = validated(ContractKpiQuerySerializer, request.query_params)
        contract = Contract.objects.visible_to(request.user).filter(pk=pk).first()
        if contract is None:
            raise Http404
        card = kpi.contract_scorecard(contract, query.get("period"), today=timezone.localdate())
        return Response(ScorecardSerializer(card.as_dict()).data)


class TodoViewSet(viewsets.ViewSet):
    """The caller's to-do list."""

    schema = _OneObjectSchema()

    @extend_schema(responses=TodoSerializer)
    def list(self, request):
        """Everything the caller has to do, overdue first, then by due date."""
        today = timezone.localdate()
        items = alerts.todo_for(request.user, today)
        return Response(TodoSerializer({
            "as_of": today, "count": sum(i.count for i in items), "overdue": sum(i.count for i in items if i.overdue),
            "items": [i.as_dict() for i in items],
        }).data)


def register(router) -> None:
    """Add this app's viewsets to the API router."""
    router.register("kpi/contracts", ContractKpiViewSet, basename="kpi-contract")
    router.register("kpi", KpiViewSet, basename="kpi")
    router.register("todo", TodoViewSet, basename="todo")
