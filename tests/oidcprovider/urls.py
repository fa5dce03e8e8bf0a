import json

from django.contrib.auth.models import Group, User
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import get_application_model


@csrf_exempt
def admin_user(request: HttpRequest) -> JsonResponse:
    """The provider's administrator, for the tests: create or change a user (password,
    email, whether the email is verified, groups, active) by username or by id."""
    data = json.loads(request.body)
    user = User.objects.filter(pk=data["id"]).first() if "id" in data else None
    user = user or User.objects.filter(username=data["username"]).first() or User()
    for field in ("username", "email", "is_active"):
        if field in data:
            setattr(user, field, data[field])
    user.last_name = "" if data.get("email_verified", True) else "unverified"
    if "password" in data:
        user.set_password(data["password"])
    user.save()
    if "groups" in data:
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in data["groups"]])
    return JsonResponse({"id": user.pk})


@csrf_exempt
def admin_application(request: HttpRequest) -> JsonResponse:
    data = json.loads(request.body)
    model = get_application_model()
    model.objects.filter(client_id=data["client_id"]).delete()
    model.objects.create(
        client_id=data["client_id"], client_secret=data["client_secret"], hash_client_secret=False,
        redirect_uris=" ".join(data["redirect_uris"]), name="hub", skip_authorization=True,
        client_type=model.CLIENT_CONFIDENTIAL, algorithm=model.RS256_ALGORITHM,
        authorization_grant_type=model.GRANT_AUTHORIZATION_CODE,
    )  # fmt: skip
    return JsonResponse({})


urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("login", LoginView.as_view(template_name="login.html")),
    path("admin/user", admin_user),
    path("admin/application", admin_application),
]
