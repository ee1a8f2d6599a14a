"""Admin of the archive: outlets, snapshots (view and download only), articles, imports."""

from django.contrib import admin
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from articles.models import Article, ImportBatch, Outlet, Snapshot
from projects.admin import ProjectScopedAdmin


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
class SnapshotAdmin(ProjectScopedAdmin):
    """Archived bytes are evidence: they can be viewed and downloaded, never edited or deleted here."""

    list_display = ["short_sha256", "source_url", "filename", "content_type", "size", "captured_at"]
    list_filter = ["content_type", "captured_at"]
    search_fields = ["sha256", "source_url", "filename"]
    date_hierarchy = "captured_at"
    exclude = ["raw"]
    project_lookup = "articles__projects"
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
        snapshot = get_object_or_404(self.get_queryset(request), pk=pk)
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


@admin.register(Article)
class ArticleAdmin(ProjectScopedAdmin):
    """The archive's article page; annotations/admin.py registers it again with the article's spans."""

    list_display = ["title", "outlet", "published_at", "language", "created_at"]
    list_filter = ["language", "outlet", "projects", "created_at"]
    search_fields = ["title", "url", "canonical_url", "byline"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["outlet", "supersedes", "duplicate_of"]
    readonly_fields = ["snapshot_link", "text_sha256", "import_batch", "created_at"]
    exclude = ["snapshot"]
    list_select_related = ["outlet"]
    project_lookup = "projects"

    @admin.display(description="snapshot")
    def snapshot_link(self, article):
        url = reverse("admin:articles_snapshot_change", args=[article.snapshot_id])
        return format_html('<a href="{}">{}</a>', url, article.snapshot.sha256[:16])


@admin.register(ImportBatch)
class ImportBatchAdmin(ProjectScopedAdmin):
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
    exclude = ["items", "pending"]

    def scope_filter(self, request):
        return super().scope_filter(request) | Q(created_by=request.user)

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
