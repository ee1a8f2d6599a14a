"""Admin of projects: their articles and members (annotations/admin.py adds the codebook to the project page)."""

from django.contrib import admin
from django.db.models import Count, Q, QuerySet

from projects.models import Membership, Project
from projects.roles import member_project_ids


class ProjectScopedAdmin(admin.ModelAdmin):
    """A staff member sees, changes and picks only rows of projects they review or administer; superusers all.

    `project_lookup` leads from the model to its project(s). Django's model permissions still apply on top.
    Bulk actions, list_editable and autocomplete all start from `get_queryset`, so they are scoped too.
    """

    project_lookup = "project"
    # Foreign keys whose choices are limited to the user's overseen projects: model label -> lookup to a project.
    scoped_choices = {
        "projects.project": "pk",
        "articles.article": "projects",
        "annotations.annotation": "project",
        "annotations.label": "project",
        "articles.importbatch": "project",
    }

    def overseen(self, request) -> QuerySet:
        return member_project_ids(request.user, overseen_only=True)

    def scope_filter(self, request) -> Q:
        """Rows the (non-superuser) user may see; ImportBatchAdmin adds their own imports without a project."""
        return Q(**{f"{self.project_lookup}__in": self.overseen(request)})

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        scoped = queryset.filter(self.scope_filter(request))
        return scoped.distinct() if "projects" in self.project_lookup.split("__") else scoped

    def _in_scope(self, request, obj) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        model = type(obj)
        return model._default_manager.filter(pk=obj.pk).filter(self.scope_filter(request)).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return self._limit_choices(db_field, request, field)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return self._limit_choices(db_field, request, field)

    def _limit_choices(self, db_field, request, field):
        lookup = self.scoped_choices.get(db_field.related_model._meta.label_lower)
        if field is None or lookup is None or request.user.is_superuser or not hasattr(field, "queryset"):
            return field
        field.queryset = field.queryset.filter(**{f"{lookup}__in": self.overseen(request)}).distinct()
        return field


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(ProjectScopedAdmin):
    project_lookup = "pk"

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
class MembershipAdmin(ProjectScopedAdmin):
    list_display = ["user", "project", "role"]
    list_filter = ["role", "project"]
    search_fields = ["user__username", "project__name"]
    autocomplete_fields = ["user"]
