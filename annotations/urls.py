"""The annotator's screens (the API lives on the router in newsarchive/urls.py)."""

from django.urls import path

from annotations import curation_views, team_views, views

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("projects/<int:project_id>/", views.article_list, name="article-list"),
    path("projects/<int:project_id>/articles/<int:article_id>/", views.workspace, name="workspace"),
    path("projects/<int:project_id>/articles/<int:article_id>/curate/", curation_views.curation, name="curation"),
    path(
        "projects/<int:project_id>/articles/<int:article_id>/suggestions.json",
        views.suggestions_json,
        name="article-suggestions",
    ),
    path("projects/<int:project_id>/assignments/", team_views.assignments_page, name="assignments"),
    path("projects/<int:project_id>/agreement/", team_views.agreement_page, name="agreement"),
    path("snapshots/<int:snapshot_id>/", views.snapshot_download, name="snapshot-download"),
]
