"""The archive's screens (its API lives on the router in newsarchive/urls.py)."""

from django.urls import path

from articles import views

urlpatterns = [
    path("import/", views.import_page, name="import"),
]
