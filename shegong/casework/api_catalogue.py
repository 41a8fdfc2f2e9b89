"""API: the service catalogue (服务清单).

``GET /api/v1/catalogue/?region=CODE`` — the catalogue in force at a place (a public rule: any
signed-in caller), with the profile it comes from. ``POST /api/v1/catalogue/`` applies a preset to
a profile. Domains and items are edited through ``catalogue-domains`` and ``catalogue-items``
(bureau and administrators of the profile's place; others see none). Nothing is deleted: an item
is retired with ``active: false``.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework import status as http
from rest_framework.response import Response

from shegong.core.api.validation import validated
from shegong.core.scoping import CHANGE
from shegong.policies.models import PolicyProfile
from shegong.recipients.serializers import NamedChoiceField

from . import services_catalogue
from .catalogue import catalogue_in_force
from .catalogue_presets import CATALOGUE_PRESETS
from .models import DomainKind, ServiceDomain, ServiceItem

_CODE = RegexValidator(r"^\d{2,12}$", "Give a region code (digits only).")


class CatalogueItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceItem
        fields = ["id", "code", "name", "description", "position", "active"]
        read_only_fields = fields


class CatalogueDomainSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField("ServiceDomainKindEnum", DomainKind.choices, read_only=True)
    items = CatalogueItemSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceDomain
        fields = ["id", "code", "name", "kind", "position", "items"]
        read_only_fields = fields


class CatalogueSerializer(serializers.Serializer):
    region = serializers.CharField()
    profile = serializers.IntegerField(allow_null=True, help_text="The policy profile the catalogue comes from.")
    profile_name = serializers.CharField(allow_null=True)
    profile_region = serializers.CharField(allow_null=True)
    domains = CatalogueDomainSerializer(many=True)


class CatalogueQuerySerializer(serializers.Serializer):
    region = serializers.CharField(validators=[_CODE], help_text="Code of the place (township, county …).")
    retired = serializers.BooleanField(required=False, default=False, help_text="Include retired items.")


class PresetApplySerializer(serializers.Serializer):
    profile = serializers.IntegerField(min_value=1)
    preset = NamedChoiceField("CataloguePresetEnum", [(k, p["label"]) for k, p in CATALOGUE_PRESETS.items()])


class PresetAppliedSerializer(serializers.Serializer):
    domains = serializers.IntegerField(help_text="Domains added.")
    items = serializers.IntegerField(help_text="Items added.")



def _editable_profile(user, pk) -> PolicyProfile:
    profile = PolicyProfile.objects.visible_to(user, CHANGE).filter(pk=pk).first()
    if profile is None:
        raise serializers.ValidationError({"profile": [_("Unknown policy profile.")]})
    return profile


class _OneObjectSchema(AutoSchema):
    """The catalogue's GET answers one object, not a list (it is the router's "list" route)."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class CatalogueViewSet(viewsets.ViewSet):
    """The service catalogue in force at a place (GET ``?region=``); POST applies a preset."""

    schema = _OneObjectSchema()

    @extend_schema(parameters=[CatalogueQuerySerializer], responses=CatalogueSerializer)
    def list(self, request):
        """The catalogue in force at ``region``, with the profile it comes from (any signed-in caller)."""
        query = validated(CatalogueQuerySerializer, request.query_params)
        profile, domains = catalogue_in_force(query["region"], active_only=not query["retired"])
        return Response(CatalogueSerializer({
            "region": query["region"], "profile": profile.pk if profile else None,
            "profile_name": profile.name if profile else None, "profile_region": profile.region_id if profile else None,
            "domains": domains,
        }).data)

    @extend_schema(request=PresetApplySerializer, responses={201: PresetAppliedSerializer})
    def create(self, request):
        """Add a preset's domains and items missing from a profile's catalogue (bureau, administrator)."""
        data = validated(PresetApplySerializer, request.data)
        profile = _editable_profile(request.user, data["profile"])
        added = services_catalogue.apply_catalogue_preset(request.user, profile, data["preset"])
        return Response(PresetAppliedSerializer(added).data, status=http.HTTP_201_CREATED)


# --- Editing --------------------------------------------------------------------------------


class DomainSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField("ServiceDomainKindEnum", DomainKind.choices, required=False)

    class Meta:
        model = ServiceDomain
        fields = ["id", "profile", "code", "name", "kind", "position"]
        read_only_fields = ["id", "position"]
        extra_kwargs = {"profile": {"queryset": PolicyProfile.objects.all()}}


class DomainUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    kind = NamedChoiceField("ServiceDomainKindEnum", DomainKind.choices, required=False)
    move = serializers.ChoiceField(choices=[("up", "up"), ("down", "down")], required=False,
                                   help_text="Move the domain one place up or down.")


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceItem
        fields = ["id", "domain", "code", "name", "description", "position", "active"]
        read_only_fields = ["id", "position", "active"]
        extra_kwargs = {"domain": {"queryset": ServiceDomain.objects.all()}}


class ItemUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    active = serializers.BooleanField(required=False, help_text="false retires the item (it is never deleted).")
    move = serializers.ChoiceField(choices=[("up", "up"), ("down", "down")], required=False)


class DomainViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Domains of the catalogues you maintain (bureau, administrator)."""

    serializer_class = DomainSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        qs = ServiceDomain.objects.visible_to(self.request.user, CHANGE).order_by("profile_id", "position", "code")
        profile = self.request.query_params.get("profile", "")
        return qs.filter(profile_id=profile) if profile.isdigit() else qs

    @extend_schema(request=DomainSerializer, responses={201: DomainSerializer})
    def create(self, request):
        data = validated(DomainSerializer, request.data)
        profile = _editable_profile(request.user, data["profile"].pk)
        domain = services_catalogue.domain_add(actor=request.user, profile=profile, code=data["code"], name=data["name"],
                                               kind=data.get("kind", ""))
        return Response(DomainSerializer(domain).data, status=http.HTTP_201_CREATED)

    @extend_schema(request=DomainUpdateSerializer, responses=DomainSerializer)
    def partial_update(self, request, pk=None):
        domain = self.get_object()
        data = validated(DomainUpdateSerializer, request.data)
        if "name" in data or "kind" in data:
            services_catalogue.domain_update(actor=request.user, domain=domain, name=data.get("name"), kind=data.get("kind"))
        if "move" in data:
            services_catalogue.domain_move(actor=request.user, domain=domain, step=-1 if data["move"] == "up" else 1)
        return Response(DomainSerializer(self.get_queryset().get(pk=domain.pk)).data)


class ItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Items of the catalogues you maintain (bureau, administrator)."""

    serializer_class = ItemSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        qs = ServiceItem.objects.visible_to(self.request.user, CHANGE).order_by("domain_id", "position", "code")
        domain = self.request.query_params.get("domain", "")
        return qs.filter(domain_id=domain) if domain.isdigit() else qs

    @extend_schema(request=ItemSerializer, responses={201: ItemSerializer})
    def create(self, request):
        data = validated(ItemSerializer, request.data)
        domain = ServiceDomain.objects.visible_to(request.user, CHANGE).filter(pk=data["domain"].pk).first()
        if domain is None:
            raise serializers.ValidationError({"domain": [_("Unknown domain.")]})
        item = services_catalogue.item_add(actor=request.user, domain=domain, code=data["code"], name=data["name"],
                                           description=data.get("description", ""))
        return Response(ItemSerializer(item).data, status=http.HTTP_201_CREATED)

    @extend_schema(request=ItemUpdateSerializer, responses=ItemSerializer)
    def partial_update(self, request, pk=None):
        item = self.get_object()
        data = validated(ItemUpdateSerializer, request.data)
        if "name" in data or "description" in data:
            services_catalogue.item_update(actor=request.user, item=item, name=data.get("name"), description=data.get("description"))
        if "active" in data:
            services_catalogue.item_set_active(actor=request.user, item=item, active=data["active"])
        if "move" in data:
            services_catalogue.item_move(actor=request.user, item=item, step=-1 if data["move"] == "up" else 1)
        return Response(ItemSerializer(self.get_queryset().get(pk=item.pk)).data)


def register(router) -> None:
    router.register("catalogue", CatalogueViewSet, basename="catalogue")
    router.register("catalogue-domains", DomainViewSet, basename="catalogue-domain")
    router.register("catalogue-items", ItemViewSet, basename="catalogue-item")
