"""API: groups (小组) with their members, sessions, attendance and validity.

The same scoping and services as the pages: every queryset starts from ``visible_to`` (outside
the jurisdiction is a 404), writes go through ``services_groups``. An update carries the
``version`` it was read at; a stale one answers 409 with problem details and writes nothing.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.response import Response

from shegong.core.api.validation import validated
from shegong.recipients.models import Recipient
from shegong.recipients.serializers import NamedChoiceField

from . import services_groups as svc
from .catalogue import items_by_pk
from .models import Group, GroupMember, GroupSession, GroupStatus, SessionAttendance


def user_by_pk(pk, field: str):
    if pk is None:
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise serializers.ValidationError({field: [_("Unknown social worker.")]})
    return user


def _status(**kwargs):
    return NamedChoiceField("GroupStatusEnum", GroupStatus.choices, **kwargs)


class GroupRuleCheckSerializer(serializers.Serializer):
    rule = serializers.CharField()
    label = serializers.CharField()
    actual = serializers.CharField()
    required = serializers.CharField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True, help_text="null: no profile in force sets this rule.")
    message = serializers.CharField()
    source = serializers.CharField()


class GroupValiditySerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    on = serializers.DateField(help_text="The day whose profile judges the group: its end, else its last session, else today.")
    members = serializers.IntegerField(help_text="Members who joined, without those who left before the first session.")
    sessions = serializers.IntegerField()
    presences = serializers.IntegerField()
    expected = serializers.IntegerField(help_text="Member-sessions expected: at each session, the members joined and not yet left.")
    attendance = serializers.CharField(allow_null=True, help_text="presences / expected (0..1).")
    reasons = serializers.ListField(child=serializers.CharField())
    sources = serializers.ListField(child=serializers.CharField())
    checks = GroupRuleCheckSerializer(many=True)


class GroupSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    leader_name = serializers.CharField(source="leader.name", read_only=True, allow_null=True, default=None)
    status = _status(read_only=True)
    items = serializers.SerializerMethodField()
    validity = serializers.SerializerMethodField()

    class Meta:
        model = Group
        fields = ["id", "region", "region_name", "name", "goal", "leader", "leader_name", "starts_on", "ends_on", "status",
                  "items", "version", "validity"]
        read_only_fields = fields

    def get_items(self, obj) -> list[int]:
        return [item.pk for item in obj.items.all()]

    @extend_schema(responses=GroupValiditySerializer)
    def get_validity(self, obj) -> dict:
        known = self.context.get("validity", {})
        result = known.get(obj.pk) or svc.validity(obj)
        return GroupValiditySerializer(result.as_dict()).data


class GroupWriteSerializer(serializers.Serializer):
    region = serializers.RegexField(r"^\d{9}(\d{3})?$", required=False, help_text="Township or village code (on create).")
    name = serializers.CharField(max_length=200)
    goal = serializers.CharField()
    leader = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**62)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    status = _status(required=False)
    items = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62), required=False)
    version = serializers.IntegerField(required=False, min_value=1, help_text="The version read (required on update).")


class GroupMemberSerializer(serializers.ModelSerializer):
    recipient_name = serializers.CharField(source="recipient.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = GroupMember
        fields = ["id", "recipient", "recipient_name", "name", "joined_on", "left_on"]
        read_only_fields = fields


class GroupMemberAddSerializer(serializers.Serializer):
    recipient = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**62)
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    joined_on = serializers.DateField()


class GroupLeaveSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=2**62)
    left_on = serializers.DateField()


class GroupSessionSerializer(serializers.ModelSerializer):
    group = serializers.IntegerField(source="group_id", read_only=True)
    present = serializers.SerializerMethodField(help_text="Ids of the members ticked present.")
    absent = serializers.SerializerMethodField(help_text="Ids of the members expected but not there.")

    class Meta:
        model = GroupSession
        fields = ["id", "group", "number", "held_on", "topic", "record", "version", "present", "absent"]
        read_only_fields = fields

    def get_present(self, obj) -> list[int]:
        return sorted(a.member_id for a in obj.attendance.all() if a.present)

    def get_absent(self, obj) -> list[int]:
        return sorted(a.member_id for a in obj.attendance.all() if not a.present)


class GroupSessionWriteSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    topic = serializers.CharField(max_length=200)
    record = serializers.CharField(required=False, allow_blank=True, default="")
    present = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62), required=False, default=list)
    version = serializers.IntegerField(required=False, min_value=1, help_text="The version read (required on update).")


def _sessions_prefetch():
    return Prefetch("attendance", queryset=SessionAttendance.objects.only("pk", "session_id", "member_id", "present"))


class GroupViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Groups within the caller's jurisdiction, each with its validity against the profile."""

    serializer_class = GroupSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            Group.objects.visible_to(self.request.user).select_related("region", "leader")
            .prefetch_related(
                "items", Prefetch("members", queryset=GroupMember.objects.order_by("pk")),
                Prefetch("sessions", queryset=GroupSession.objects.order_by("number")), "sessions__attendance",
            )
            .order_by("-starts_on", "-pk")
        )

    def _validities(self, groups) -> dict:
        pairs = {g.pk: (g.region_id, svc.validity_day(g, list(g.sessions.all()))) for g in groups}
        policies = svc.policies_for(pairs.values())
        return {g.pk: svc.validity(g, policy=policies[pairs[g.pk]]) for g in groups}

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        rows = list(page if page is not None else self.get_queryset())
        data = GroupSerializer(rows, many=True, context={"request": request, "validity": self._validities(rows)}).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _answer(self, group: Group, code=http.HTTP_200_OK) -> Response:
        return Response(GroupSerializer(self.get_queryset().get(pk=group.pk)).data, status=code)

    def _fields(self, data: dict) -> dict:
        fields = {k: data[k] for k in ("name", "goal", "starts_on") if k in data}
        fields["ends_on"] = data.get("ends_on")
        fields["leader"] = user_by_pk(data.get("leader"), "leader")
        fields["items"] = items_by_pk(data.get("items"))
        return fields

    @extend_schema(request=GroupWriteSerializer, responses={201: GroupSerializer})
    def create(self, request):
        """Start a group at a township or village within your reach."""
        data = validated(GroupWriteSerializer, request.data)
        if not data.get("region"):
            raise serializers.ValidationError({"region": [_("Give the township or village of the group.")]})
        group = svc.group_create(
            actor=request.user, region_code=data["region"], status=data.get("status") or GroupStatus.PLANNED, **self._fields(data)
        )
        return self._answer(group, http.HTTP_201_CREATED)

    @extend_schema(request=GroupWriteSerializer, responses={200: GroupSerializer, 409: None})
    def update(self, request, pk=None):
        """Change a group; ``version`` must be the one read (409 when someone saved in between)."""
        group = self.get_object()
        data = validated(GroupWriteSerializer, request.data)
        if "version" not in data:
            raise serializers.ValidationError({"version": [_("Give the version you read.")]})
        svc.group_update(
            actor=request.user, group=group, version=data["version"], status=data.get("status") or group.status,
            **self._fields(data),
        )
        return self._answer(group)

    @extend_schema(responses=GroupValiditySerializer)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def validity(self, request, pk=None):
        """Members, sessions and attendance against the profile in force, with every failed rule."""
        return Response(GroupValiditySerializer(svc.validity(self.get_object()).as_dict()).data)

    @extend_schema(methods=["GET"], responses=GroupMemberSerializer(many=True))
    @extend_schema(methods=["POST"], request=GroupMemberAddSerializer, responses={201: GroupMemberSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def members(self, request, pk=None):
        """The members (GET), or a new one (POST): a recipient within reach, or a resident named only here."""
        group = self.get_object()
        if request.method == "POST":
            data = validated(GroupMemberAddSerializer, request.data)
            recipient = None
            if data.get("recipient"):
                recipient = Recipient.objects.visible_to(request.user).filter(pk=data["recipient"]).first()
                if recipient is None:
                    raise serializers.ValidationError({"recipient": [_("Unknown person.")]})
            member = svc.member_add(actor=request.user, group=group, joined_on=data["joined_on"], recipient=recipient, name=data["name"])
            return Response(GroupMemberSerializer(member).data, status=http.HTTP_201_CREATED)
        rows = GroupMember.objects.visible_to(request.user).filter(group=group).select_related("recipient").order_by("pk")
        return Response(GroupMemberSerializer(rows, many=True).data)

    @extend_schema(request=GroupLeaveSerializer, responses=GroupMemberSerializer)
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def leave(self, request, pk=None):
        """Record that a member left (the member and their attendance stay on record)."""
        group = self.get_object()
        data = validated(GroupLeaveSerializer, request.data)
        member = group.members.filter(pk=data["member"]).select_related("recipient").first()
        if member is None:
            raise serializers.ValidationError({"member": [_("Not a member of this group.")]})
        member = svc.member_leave(actor=request.user, member=member, left_on=data["left_on"])
        return Response(GroupMemberSerializer(member).data)

    @extend_schema(methods=["GET"], responses=GroupSessionSerializer(many=True))
    @extend_schema(methods=["POST"], request=GroupSessionWriteSerializer, responses={201: GroupSessionSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def sessions(self, request, pk=None):
        """The sessions with their attendance (GET), or the next session (POST, numbered by the server)."""
        group = self.get_object()
        if request.method == "POST":
            data = validated(GroupSessionWriteSerializer, request.data)
            data.pop("version", None)
            session = svc.session_add(actor=request.user, group=group, **data)
            fresh = GroupSession.objects.prefetch_related(_sessions_prefetch()).get(pk=session.pk)
            return Response(GroupSessionSerializer(fresh).data, status=http.HTTP_201_CREATED)
        rows = GroupSession.objects.visible_to(request.user).filter(group=group).prefetch_related(_sessions_prefetch()).order_by("number")
        return Response(GroupSessionSerializer(rows, many=True).data)


class GroupSessionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One session of a group, with its attendance; its record and attendance can be changed."""

    serializer_class = GroupSessionSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return GroupSession.objects.visible_to(self.request.user).select_related("group").prefetch_related(_sessions_prefetch())

    @extend_schema(request=GroupSessionWriteSerializer, responses={200: GroupSessionSerializer, 409: None})
    def update(self, request, pk=None):
        """Change the record and attendance; ``version`` must be the one read (409 otherwise)."""
        session = self.get_object()
        data = validated(GroupSessionWriteSerializer, request.data)
        version = data.pop("version", None)
        if version is None:
            raise serializers.ValidationError({"version": [_("Give the version you read.")]})
        svc.session_update(actor=request.user, session=session, version=version, **data)
        return Response(GroupSessionSerializer(self.get_queryset().get(pk=session.pk)).data)


def register(router) -> None:
    router.register("groups", GroupViewSet, basename="group")
    router.register("group-sessions", GroupSessionViewSet, basename="group-session")
