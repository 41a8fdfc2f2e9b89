"""Users over the API: the same scoping and services as the pages."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from shegong.core.scoping import CHANGE
from shegong.regions.models import Region
from shegong.stations.models import Operator

from . import services
from .filters import UserFilter
from .models import RoleAssignment, User
from .roles import Role


class RoleAssignmentSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", allow_null=True)
    region_name = serializers.CharField(source="region.name", default=None, read_only=True)
    label = serializers.CharField(read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "role", "label", "region", "region_name", "operator", "granted_at"]


class UserSerializer(serializers.ModelSerializer):
    roles = RoleAssignmentSerializer(source="role_assignments", many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "phone", "email", "language", "is_active", "last_login", "roles"]
        read_only_fields = ["username", "language", "is_active", "last_login"]


class UserCreateSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[A-Za-z0-9_.-]{3,150}$")
    name = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=20, required=False, default="")
    role = serializers.ChoiceField(choices=Role.choices)
    region = serializers.CharField(required=False, allow_null=True, default=None)
    operator = serializers.IntegerField(required=False, allow_null=True, default=None)
    password = serializers.CharField(write_only=True, required=False)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Users within the caller's jurisdiction."""

    serializer_class = UserSerializer
    filterset_class = UserFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        action_name = CHANGE if self.action in ("update", "partial_update", "deactivate", "reactivate") else "view"
        return User.objects.visible_to(self.request.user, action_name).prefetch_related(
            Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("region"))
        )

    def perform_update(self, serializer):
        user = serializer.instance
        data = serializer.validated_data
        services.user_update(
            actor=self.request.user,
            user=user,
            name=data.get("name", user.name),
            phone=data.get("phone", user.phone),
            email=data.get("email", user.email),
        )

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request):
        payload = UserCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        region = Region.objects.filter(code=data["region"]).first() if data["region"] else None
        if data["region"] and region is None:
            raise serializers.ValidationError({"region": ["Unknown region code. 行政区划代码不存在。"]})
        operator = None
        if data["operator"] is not None:
            operator = Operator.objects.visible_to(request.user).filter(pk=data["operator"]).first()
            if operator is None:
                raise serializers.ValidationError({"operator": ["Unknown operator. 承接主体不存在。"]})
        user, password = services.user_create(
            actor=request.user,
            username=data["username"],
            name=data["name"],
            phone=data["phone"],
            role=data["role"],
            region=region,
            operator=operator,
            password=data.get("password"),
        )
        body = UserSerializer(user).data
        if "password" not in data:
            body["initial_password"] = password
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        services.user_deactivate(actor=request.user, user=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        services.user_reactivate(actor=request.user, user=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(generics.RetrieveAPIView):
    """The caller's own account."""

    serializer_class = UserSerializer

    def get_object(self):
        return User.objects.prefetch_related(
            Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("region"))
        ).get(pk=self.request.user.pk)
