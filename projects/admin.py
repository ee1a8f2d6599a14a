"""Admin of projects: their articles and members (annotations/admin.py adds the codebook to the project page)."""

from django.contrib import admin
from django.db.models import Count

from projects.models import Membership, Project


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "article_count", "member_count", "created_at"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["articles"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=Count("articles", distinct=True), member_count=Count("memberships", distinct=True))
        )

    @admin.display(ordering="article_count", description="articles")
    def article_count(self, project):
        return project.article_count

    @admin.display(ordering="member_count", description="members")
    def member_count(self, project):
        return project.member_count


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "role"]
    list_filter = ["role", "project"]
    search_fields = ["user__username", "project__name"]
    autocomplete_fields = ["user"]
