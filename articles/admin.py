"""Admin of the archive: outlets, snapshots (view and download only), articles with their annotations, imports."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from annotations import services as coding_services
from annotations.forms import AdminAssignForm
from annotations.models import Annotation
from articles.models import Article, ImportBatch, Outlet, Snapshot


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "kind", "country", "language", "article_count"]
    list_filter = ["kind", "country", "language"]
    search_fields = ["name", "domain"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("articles"))

    @admin.display(ordering="article_count", description="articles")
    def article_count(self, outlet):
        return outlet.article_count


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    """Archived bytes are evidence: they can be viewed and downloaded, never edited or deleted here."""

    list_display = ["short_sha256", "source_url", "filename", "content_type", "size", "captured_at"]
    list_filter = ["content_type", "captured_at"]
    search_fields = ["sha256", "source_url", "filename"]
    date_hierarchy = "captured_at"
    exclude = ["raw"]
    readonly_fields = [
        "sha256",
        "download",
        "size",
        "content_type",
        "encoding",
        "source_url",
        "filename",
        "http_headers",
        "captured_at",
        "imported_at",
        "import_batch",
        "articles_list",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        download = self.admin_site.admin_view(self.download_view)
        return [path("<int:pk>/download/", download, name="articles_snapshot_download"), *super().get_urls()]

    def download_view(self, request, pk):
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        snapshot = get_object_or_404(Snapshot, pk=pk)
        response = HttpResponse(bytes(snapshot.raw), content_type="application/octet-stream")
        extension = {"text/html": "html", "text/plain": "txt"}.get(snapshot.content_type, "bin")
        response["Content-Disposition"] = f'attachment; filename="snapshot-{snapshot.sha256[:16]}.{extension}"'
        # Never let a browser interpret archived bytes as a page of our origin.
        response["Content-Security-Policy"] = "sandbox"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.display(description="sha256", ordering="sha256")
    def short_sha256(self, snapshot):
        return snapshot.sha256[:16]

    @admin.display(description="archived bytes")
    def download(self, snapshot):
        url = reverse("admin:articles_snapshot_download", args=[snapshot.pk])
        return format_html('<a href="{}">Download the {} archived bytes</a>', url, snapshot.size)

    @admin.display(description="articles")
    def articles_list(self, snapshot):
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:articles_article_change", args=[a.pk]), a.title) for a in snapshot.articles.all()),
        )


class AnnotationInline(admin.TabularInline):
    """An article's annotations; offsets and quote are fixed once made (edit spans in the workspace)."""

    model = Annotation
    extra = 0
    fields = ["label", "annotator", "start", "end", "quote", "status", "note"]
    readonly_fields = ["label", "annotator", "start", "end", "quote"]
    show_change_link = True
    ordering = ["start", "end"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("label", "annotator")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "outlet", "published_at", "language", "annotation_count", "created_at"]
    list_filter = ["language", "outlet", "projects", "created_at"]
    search_fields = ["title", "url", "canonical_url", "byline"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["outlet", "supersedes", "duplicate_of"]
    readonly_fields = ["snapshot_link", "text_sha256", "import_batch", "created_at"]
    exclude = ["snapshot"]
    inlines = [AnnotationInline]
    list_select_related = ["outlet"]
    actions = ["assign_to_coders"]

    @admin.action(description="Assign selected articles to coders (k per article, balanced)")
    def assign_to_coders(self, request, queryset):
        """An intermediate page: project, coders and k; then annotations.services.assign_articles."""
        form = AdminAssignForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = coding_services.assign_articles(
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

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(annotation_count=Count("annotations"))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.annotations.exists():
            fields.append("text")  # annotations point into it; PostgreSQL refuses a change too
        return fields

    @admin.display(ordering="annotation_count", description="annotations")
    def annotation_count(self, article):
        return article.annotation_count

    @admin.display(description="snapshot")
    def snapshot_link(self, article):
        url = reverse("admin:articles_snapshot_change", args=[article.snapshot_id])
        return format_html('<a href="{}">{}</a>', url, article.snapshot.sha256[:16])


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_by", "project", "channel", "status", "imported", "duplicates", "failed"]
    list_filter = ["status", "channel", "started_at"]
    search_fields = ["source", "created_by__username"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "created_by",
        "project",
        "source",
        "channel",
        "status",
        "started_at",
        "finished_at",
        "imported",
        "duplicates",
        "new_versions",
        "failed",
        "item_results",
    ]
    exclude = ["items"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="items")
    def item_results(self, batch):
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((item.get("item", ""), item.get("outcome", ""), item.get("message", "")) for item in batch.items),
        )
        return format_html("<table><tr><th>item</th><th>outcome</th><th>message</th></tr>{}</table>", rows)
