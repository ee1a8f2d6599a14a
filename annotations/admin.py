"""Admin of the coding app: codebooks, the actor registry (with merging), annotations, review.

The project and article pages are those of projects/admin.py and articles/admin.py, registered again here
with the codebook and the spans.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, ProtectedError, Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from annotations import services
from annotations.forms import AdminAssignForm
from annotations.models import (
    Actor,
    ActorAlias,
    ActorLink,
    Annotation,
    Assignment,
    Claim,
    ClaimAbout,
    Label,
    Relation,
    SourceAttribution,
)
from articles.admin import ArticleAdmin
from articles.models import Article
from projects.admin import MembershipInline, ProjectAdmin, ProjectScopedAdmin
from projects.models import Project


class CodebookAuthorMixin:
    """Names the admin user in the transaction, so that the codebook versions PostgreSQL makes say who."""

    def save_model(self, request, obj, form, change):
        services.acting_as(request.user)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        services.acting_as(request.user)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        services.acting_as(request.user)
        super().delete_queryset(request, queryset)


class LabelInline(admin.TabularInline):
    model = Label
    extra = 0
    fields = ["name", "kind", "colour", "shortcut", "order", "description"]


admin.site.unregister(Project)


@admin.register(Project)
class CodedProjectAdmin(CodebookAuthorMixin, ProjectAdmin):
    """The project page with its codebook; every project codes CLAIM, ACTOR and SOURCE."""

    inlines = [LabelInline, MembershipInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.ensure_core_labels(form.instance)


@admin.register(Label)
class LabelAdmin(CodebookAuthorMixin, ProjectScopedAdmin):
    project_lookup = "project"
    list_display = ["name", "project", "kind", "colour", "shortcut", "order"]
    list_filter = ["kind", "project"]
    search_fields = ["name", "description"]


class ActorAliasInline(admin.TabularInline):
    model = ActorAlias
    extra = 1


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "acled_inter", "wikidata_qid", "cameo_code", "mention_count"]
    list_filter = ["kind", "acled_inter", "country"]
    search_fields = ["name", "aliases__name", "wikidata_qid", "cameo_code"]
    autocomplete_fields = ["parent"]
    inlines = [ActorAliasInline]
    actions = ["merge_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(mention_count=Count("links", distinct=True))

    @admin.display(ordering="mention_count", description="mentions")
    def mention_count(self, actor):
        return actor.mention_count

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:  # an alias join can repeat an actor
            return queryset.order_by("name", "pk"), True
        return queryset, may_have_duplicates

    @admin.action(description="Merge selected actors into one")
    def merge_selected(self, request, queryset):
        actors = list(queryset.order_by("pk"))
        if len(actors) < 2:
            self.message_user(request, "Select at least two actors to merge.", messages.WARNING)
            return None
        keep_id = request.POST.get("keep")
        if keep_id and request.POST.get("confirm") == "yes":
            keep = next((actor for actor in actors if str(actor.pk) == keep_id), None)
            if keep is None:
                self.message_user(request, "Choose which of the selected actors to keep.", messages.ERROR)
                return None
            others = [actor for actor in actors if actor.pk != keep.pk]
            names = ", ".join(other.name for other in others)
            try:
                services.merge_actors(keep=keep, others=others)
            except (ValidationError, ProtectedError) as error:
                self.message_user(request, f"Could not merge: {error}", messages.ERROR)
                return None
            self.message_user(request, f"Merged {names} into {keep.name}; their names are now aliases.")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge actors",
            "actors": queryset.annotate(n_mentions=Count("links", distinct=True)).order_by("-n_mentions", "pk"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/annotations/actor/merge.html", context)


class ActorLinkInline(admin.TabularInline):
    model = ActorLink
    extra = 0
    autocomplete_fields = ["actor"]


class SourceAttributionInline(admin.StackedInline):
    model = SourceAttribution
    extra = 0
    can_delete = False


class ClaimInline(admin.StackedInline):
    model = Claim
    fk_name = "annotation"
    extra = 0
    can_delete = False
    autocomplete_fields = ["claimant"]
    raw_id_fields = ["claimant_mention", "source_annotation"]


@admin.register(Annotation)
class AnnotationAdmin(ProjectScopedAdmin):
    project_lookup = "project"
    list_display = ["quote_excerpt", "label", "article", "annotator", "status", "reviewed_by", "start", "end"]
    list_display += ["updated_at"]
    list_filter = ["status", "label__kind", "project", "annotator"]
    list_editable = ["status"]
    search_fields = ["quote", "note", "article__title"]
    date_hierarchy = "created_at"
    list_select_related = ["label", "article", "annotator"]
    readonly_fields = ["project", "article", "annotator", "start", "end", "quote", "prefix", "suffix", "created_at"]
    readonly_fields += ["version", "reviewed_by", "reviewed_at"]
    fields = ["project", "article", "label", "annotator", "start", "end", "quote", "prefix", "suffix"]
    fields += ["status", "reviewed_by", "reviewed_at", "note", "attributes", "created_at", "version"]
    inlines = [ActorLinkInline, SourceAttributionInline, ClaimInline]
    actions = ["mark_accepted", "mark_rejected"]

    def has_add_permission(self, request):
        return False  # spans are made in the workspace or through the API, where offsets are checked

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "label" in form.base_fields:
            form.base_fields["label"].queryset = Label.objects.filter(project_id=obj.project_id)
        return form

    @admin.display(description="quote", ordering="quote")
    def quote_excerpt(self, annotation):
        return annotation.quote[:80]

    def save_model(self, request, obj, form, change):
        # An accept or reject here (the form or the list's status column) records the reviewer, as the API does.
        if "status" in form.changed_data and obj.status in services.REVIEW_STATUSES:
            obj.reviewed_by, obj.reviewed_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)

    @admin.action(description="Accept selected annotations")
    def mark_accepted(self, request, queryset):
        updated = queryset.update(
            status=Annotation.Status.ACCEPTED, reviewed_by=request.user, reviewed_at=timezone.now()
        )
        self.message_user(request, f"Accepted {updated} annotations.")

    @admin.action(description="Reject selected annotations")
    def mark_rejected(self, request, queryset):
        updated = queryset.update(
            status=Annotation.Status.REJECTED, reviewed_by=request.user, reviewed_at=timezone.now()
        )
        self.message_user(request, f"Rejected {updated} annotations.")


class ClaimAboutInline(admin.TabularInline):
    model = ClaimAbout
    extra = 0
    autocomplete_fields = ["actor"]


@admin.register(Claim)
class ClaimAdmin(ProjectScopedAdmin):
    project_lookup = "annotation__project"
    list_display = ["__str__", "claimant", "claimant_is_outlet", "speech", "stance", "verdict", "topic"]
    list_filter = ["speech", "stance", "verdict", "claimant_is_outlet"]
    search_fields = ["annotation__quote", "claimant__name", "topic"]
    autocomplete_fields = ["claimant"]
    raw_id_fields = ["annotation", "claimant_mention", "source_annotation"]
    list_select_related = ["annotation", "claimant"]
    inlines = [ClaimAboutInline]

    def has_add_permission(self, request):
        return False


@admin.register(SourceAttribution)
class SourceAttributionAdmin(ProjectScopedAdmin):
    project_lookup = "annotation__project"
    list_display = ["__str__", "kind", "anonymity", "cue", "channel"]
    list_filter = ["kind", "anonymity"]
    search_fields = ["annotation__quote", "cue", "channel"]
    raw_id_fields = ["annotation"]
    list_select_related = ["annotation"]

    def has_add_permission(self, request):
        return False


@admin.register(Relation)
class RelationAdmin(ProjectScopedAdmin):
    project_lookup = "article__projects"
    list_display = ["source", "kind", "target", "article", "annotator", "created_at"]
    list_filter = ["kind"]
    search_fields = ["source__quote", "target__quote", "article__title"]
    raw_id_fields = ["article", "source", "target"]
    list_select_related = ["source__label", "target__label", "article", "annotator"]

    def has_add_permission(self, request):
        return False


@admin.register(Assignment)
class AssignmentAdmin(ProjectScopedAdmin):
    project_lookup = "project"
    list_display = ["article", "annotator", "project", "status", "submitted_at", "updated_at"]
    list_filter = ["status", "project"]
    search_fields = ["article__title", "annotator__username"]
    date_hierarchy = "updated_at"
    raw_id_fields = ["article"]
    list_select_related = ["article", "annotator", "project"]


admin.site.unregister(Article)


@admin.register(Article)
class CodedArticleAdmin(ArticleAdmin):
    """The archive's article page with the article's spans, read-only; its text is fixed once it has spans."""

    list_display = ["title", "outlet", "published_at", "language", "annotation_count", "created_at"]

    def get_queryset(self, request):
        # Only the spans this user may see are counted: all for superusers, those of overseen projects otherwise.
        spans = Q() if request.user.is_superuser else Q(annotations__project__in=self.overseen(request))
        return (
            super().get_queryset(request).annotate(annotation_count=Count("annotations", filter=spans, distinct=True))
        )

    def get_readonly_fields(self, request, obj=None):
        return [*self._text_readonly(request, obj), "annotations_link"]

    @admin.display(description="annotations")
    def annotations_link(self, article):
        # A link to the paginated, filterable span list: inlining hundreds of spans made this page unusable.
        url = reverse("admin:annotations_annotation_changelist") + f"?article__id__exact={article.pk}"
        return format_html('<a href="{}">{} annotations</a>', url, getattr(article, "annotation_count", "the"))

    def _text_readonly(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.annotations.exists():
            fields.append("text")  # annotations point into it; PostgreSQL refuses a change too
        return fields

    @admin.display(ordering="annotation_count", description="annotations")
    def annotation_count(self, article):
        return article.annotation_count

    actions = ["assign_to_coders"]

    @admin.action(description="Assign selected articles to coders (k per article, balanced)")
    def assign_to_coders(self, request, queryset):
        """An intermediate page: project, coders and k; then annotations.services.assign_articles."""
        form = AdminAssignForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.assign_articles(
                    project=data["project"],
                    article_ids=list(queryset.values_list("pk", flat=True)),
                    coders=[user.pk for user in data["coders"]],
                    k=data["k"],
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                self.message_user(
                    request,
                    f"{len(result.created)} new assignments in {data['project']} "
                    f"({result.complete} articles already had enough coders).",
                    messages.SUCCESS,
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Assign articles to coders",
            "form": form,
            "articles": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/articles/assign_to_coders.html", context)
