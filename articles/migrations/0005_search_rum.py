"""Top-k search: a RUM index over the search vector where the server has the extension (Debian:
postgresql-15-rum). It keeps lexeme positions, so `ORDER BY search <=> query LIMIT k` reads matches in rank order
and stops, instead of ranking every match. Without RUM (the embedded PostgreSQL) nothing is created and search
keeps the GIN path (articles.search.use_rum)."""

from django.db import migrations


def create_rum_index(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        if cursor.fetchone() is None:
            return
        cursor.execute("CREATE EXTENSION IF NOT EXISTS rum")
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS article_search_rum ON articles_article USING rum (search rum_tsvector_ops)"
        )


def drop_rum_index(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS article_search_rum")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_list_facets"),
    ]

    operations = [migrations.RunPython(create_rum_index, drop_rum_index)]
