from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from prm.api.throttling import LoginThrottle
from prm.api.viewsets import HistoryMixin, ScopedModelViewSet, ScopedReadOnlyViewSet
from prm.permissions import AUTHENTICATED, PUBLIC

from . import services
from .models import ApiKey, User
from .serializers import (
    ApiKeyCreatedSerializer,
    ApiKeySerializer,
    MeSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserSerializer,
    UserUpdateSerializer,
)


class TokenView(APIView):
    """Exchange an email and password for a token (`Authorization: Token <token>`)."""

    authentication_classes = []
    throttle_classes = [LoginThrottle]
    action_permissions = {"post": PUBLIC}

    @extend_schema(request=TokenRequestSerializer, responses=TokenSerializer)
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request._request, **serializer.validated_data)
        if user is None:
            return Response(
                {"non_field_errors": ["Unable to sign in with the given email and password."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"token": services.token_issue(user=user).key})


class MeView(APIView):
    action_permissions = {"get": AUTHENTICATED}

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class UserViewSet(HistoryMixin, ScopedModelViewSet):
    queryset = User.objects.select_related("partner")
    serializer_class = UserSerializer
    filterset_fields = ["role", "partner", "is_active"]
    ordering_fields = ["email", "date_joined", "last_login"]
    ordering = ["email"]
    action_permissions = {
        "list": "user.view",
        "retrieve": "user.view",
        "history": "audit.view",
        "create": "user.manage",
        "update": "user.manage",
        "partial_update": "user.manage",
        "deactivate": "user.manage",
        "reactivate": "user.manage",
    }

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return UserUpdateSerializer
        return UserSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.user_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = services.user_update(
            actor=self.request.user, user=serializer.instance, data=serializer.validated_data
        )

    @extend_schema(request=None, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        user = services.user_deactivate(actor=request.user, user=self.get_object())
        return Response(UserSerializer(user, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        user = services.user_reactivate(actor=request.user, user=self.get_object())
        return Response(UserSerializer(user, context=self.get_serializer_context()).data)


class ApiKeyViewSet(ScopedReadOnlyViewSet):
    """The caller's own API keys. The secret is returned once, by create."""

    queryset = ApiKey.objects.select_related("owner")
    serializer_class = ApiKeySerializer
    lookup_field = "prefix"
    action_permissions = {
        "list": "apikey.manage",
        "retrieve": "apikey.manage",
        "create": "apikey.manage",
        "revoke": "apikey.manage",
    }

    def get_queryset(self):
        return super().get_queryset().filter(owner=self.request.user)

    @extend_schema(request=ApiKeySerializer, responses={201: ApiKeyCreatedSerializer})
    def create(self, request):
        serializer = ApiKeySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        api_key, secret = services.api_key_create(actor=request.user, **serializer.validated_data)
        data = ApiKeySerializer(api_key).data
        return Response({**data, "key": secret}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApiKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, prefix=None):
        api_key = services.api_key_revoke(actor=request.user, api_key=self.get_object())
        return Response(ApiKeySerializer(api_key).data)


def register(router) -> None:
    router.register("users", UserViewSet)
    router.register("api-keys", ApiKeyViewSet, basename="apikey")
