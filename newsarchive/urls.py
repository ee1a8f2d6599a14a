"""URLs: the admin, the one API router under /api/, and the browser screens."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from annotations.api import (
    ActorViewSet,
    AnnotationViewSet,
    ClaimsCSVExportViewSet,
    ClaimViewSet,
    JSONLinesExportViewSet,
    LabelViewSet,
    ProjectViewSet,
    RelationViewSet,
    WebAnnotationExportViewSet,
)
from annotations.article_api import ArticleViewSet
from annotations.gold_api import GoldViewSet, ScoreViewSet
from annotations.team_api import AgreementViewSet, AssignmentViewSet
from articles.api import OutletViewSet
from articles.views import ImportViewSet
from newsarchive.views import LoginView, RedocView, SwaggerUIView, api_token_page, mail_required

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("labels", LabelViewSet, basename="label")
router.register("articles", ArticleViewSet, basename="article")
router.register("outlets", OutletViewSet, basename="outlet")
router.register("actors", ActorViewSet, basename="actor")
router.register("annotations", AnnotationViewSet, basename="annotation")
router.register("relations", RelationViewSet, basename="relation")
router.register("claims", ClaimViewSet, basename="claim")
router.register("exports/jsonl", JSONLinesExportViewSet, basename="export-jsonl")
router.register("exports/claims-csv", ClaimsCSVExportViewSet, basename="export-claims-csv")
router.register("exports/web-annotation", WebAnnotationExportViewSet, basename="export-web-annotation")
router.register("imports", ImportViewSet, basename="import")
router.register(r"projects/(?P<project_id>[0-9]+)/agreement", AgreementViewSet, basename="project-agreement")
router.register(r"projects/(?P<project_id>[0-9]+)/assignments", AssignmentViewSet, basename="project-assignment")
router.register(r"projects/(?P<project_id>[0-9]+)/score", ScoreViewSet, basename="project-score")
router.register(r"projects/(?P<project_id>[0-9]+)/gold", GoldViewSet, basename="project-gold")

# django.contrib.auth.urls, with our login page and the password reset pages only when mail is configured.
account_urls = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password_reset/", mail_required(auth_views.PasswordResetView.as_view()), name="password_reset"),
    path(
        "password_reset/done/",
        mail_required(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        mail_required(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path("reset/done/", mail_required(auth_views.PasswordResetCompleteView.as_view()), name="password_reset_complete"),
]

urlpatterns = [
    # The project and membership admin pages moved with their models (annotations -> projects): old links follow.
    re_path(
        r"^admin/annotations/(?P<model>project|membership)/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/projects/%(model)s/%(rest)s", permanent=True, query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerUIView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="api-redoc"),
    path("api/", include(router.urls)),
    path("accounts/", include(account_urls)),
    path("", include("annotations.urls")),
    path("account/token/", api_token_page, name="api-token"),
    path("", include("articles.urls")),
]
