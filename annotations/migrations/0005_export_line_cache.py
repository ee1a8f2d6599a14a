"""Each article's complete JSON Lines line and its spans' API JSON, kept by PostgreSQL (`ArticleExportLine`).

Any change to what a line shows bumps its row's `version` and empties the lines: the article, its snapshot and
outlet, its project links (and a linked project's slug), its relations (and their annotator's username), and
its spans: wherever 0004 empties a span's export cache (the span, its details, label, project, annotator, a
registry actor), the span's row is updated with `cached_export_json` NULL, which the trigger below sees.
A refresh stores a line only while the row's version is the one its snapshot read, so a line built before a
concurrent change is never kept (the bump takes the row's lock, or inserts it, before the refresh can).
A migration that changes what the span export functions write must empty the table.
"""

import django.contrib.postgres.fields
from django.db import migrations, models

FUNCTIONS = r"""
-- lz4 where the server is built with it (the embedded PostgreSQL is not): an export reads every line whole.
DO $lz4$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings
               WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)) THEN
        ALTER TABLE annotations_articleexportline ALTER COLUMN line SET COMPRESSION lz4,
            ALTER COLUMN line_raw SET COMPRESSION lz4, ALTER COLUMN spans_json SET COMPRESSION lz4;
    END IF;
END $lz4$;

CREATE FUNCTION newsarchive_forget_export_lines(ids bigint[]) RETURNS void LANGUAGE sql AS $$
INSERT INTO annotations_articleexportline AS c (article_id, version, recipe)
SELECT DISTINCT id, 1, '' FROM unnest(ids) AS id WHERE id IS NOT NULL
ON CONFLICT (article_id) DO UPDATE SET version = c.version + 1, line = NULL, line_raw = NULL, spans_json = NULL
$$;

-- TG_ARGV[0] names the row's column holding the article id.
CREATE FUNCTION newsarchive_export_line_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[] := '{}';
BEGIN
    IF TG_OP <> 'INSERT' THEN
        ids := ids || (to_jsonb(OLD) ->> TG_ARGV[0])::bigint;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        ids := ids || (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;
    END IF;
    PERFORM newsarchive_forget_export_lines(ids);
    RETURN NULL;
END $$;

-- Spans: a new or removed span, or any update that leaves its export cache empty (0004's triggers empty it
-- on every change); a refresh that fills the caches keeps the line.
CREATE TRIGGER annotation_export_line AFTER INSERT OR DELETE ON annotations_annotation
    FOR EACH ROW EXECUTE FUNCTION newsarchive_export_line_changed('article_id');
CREATE TRIGGER annotation_export_line_update AFTER UPDATE ON annotations_annotation FOR EACH ROW
    WHEN (NEW.cached_export_json IS NULL OR OLD.article_id IS DISTINCT FROM NEW.article_id)
    EXECUTE FUNCTION newsarchive_export_line_changed('article_id');
CREATE TRIGGER relation_export_line AFTER INSERT OR UPDATE OR DELETE ON annotations_relation
    FOR EACH ROW EXECUTE FUNCTION newsarchive_export_line_changed('article_id');
CREATE TRIGGER project_articles_export_line AFTER INSERT OR UPDATE OR DELETE ON annotations_project_articles
    FOR EACH ROW EXECUTE FUNCTION newsarchive_export_line_changed('article_id');
CREATE TRIGGER article_export_line AFTER UPDATE ON articles_article
    FOR EACH ROW EXECUTE FUNCTION newsarchive_export_line_changed('id');

CREATE FUNCTION newsarchive_article_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM annotations_articleexportline WHERE article_id = OLD.id;
    RETURN NULL;
END $$;
CREATE TRIGGER article_deleted_export_line AFTER DELETE ON articles_article
    FOR EACH ROW EXECUTE FUNCTION newsarchive_article_deleted();

-- Shared rows shown in lines: TG_ARGV[0] is the SQL giving the articles that show row $1.
CREATE FUNCTION newsarchive_export_line_shared_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    EXECUTE 'SELECT array_agg(id) FROM (' || TG_ARGV[0] || ') AS shown (id)' INTO ids USING OLD.id;
    PERFORM newsarchive_forget_export_lines(ids);
    RETURN NULL;
END $$;
CREATE TRIGGER snapshot_export_line AFTER UPDATE ON articles_snapshot FOR EACH ROW
    EXECUTE FUNCTION newsarchive_export_line_shared_changed('SELECT id FROM articles_article WHERE snapshot_id = $1');
CREATE TRIGGER outlet_export_line AFTER UPDATE ON articles_outlet FOR EACH ROW
    EXECUTE FUNCTION newsarchive_export_line_shared_changed('SELECT id FROM articles_article WHERE outlet_id = $1');
CREATE TRIGGER project_export_line AFTER UPDATE ON annotations_project FOR EACH ROW
    WHEN (OLD.slug IS DISTINCT FROM NEW.slug)
    EXECUTE FUNCTION newsarchive_export_line_shared_changed(
        'SELECT article_id FROM annotations_project_articles WHERE project_id = $1');
CREATE TRIGGER user_export_line AFTER UPDATE ON auth_user FOR EACH ROW
    WHEN (OLD.username IS DISTINCT FROM NEW.username)
    EXECUTE FUNCTION newsarchive_export_line_shared_changed(
        'SELECT article_id FROM annotations_relation WHERE annotator_id = $1');
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS user_export_line ON auth_user;
DROP TRIGGER IF EXISTS project_export_line ON annotations_project;
DROP TRIGGER IF EXISTS outlet_export_line ON articles_outlet;
DROP TRIGGER IF EXISTS snapshot_export_line ON articles_snapshot;
DROP FUNCTION IF EXISTS newsarchive_export_line_shared_changed();
DROP TRIGGER IF EXISTS article_deleted_export_line ON articles_article;
DROP FUNCTION IF EXISTS newsarchive_article_deleted();
DROP TRIGGER IF EXISTS article_export_line ON articles_article;
DROP TRIGGER IF EXISTS project_articles_export_line ON annotations_project_articles;
DROP TRIGGER IF EXISTS relation_export_line ON annotations_relation;
DROP TRIGGER IF EXISTS annotation_export_line_update ON annotations_annotation;
DROP TRIGGER IF EXISTS annotation_export_line ON annotations_annotation;
DROP FUNCTION IF EXISTS newsarchive_export_line_changed();
DROP FUNCTION IF EXISTS newsarchive_forget_export_lines(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0004_span_cache"),
        ("articles", "0002_snapshot_lz4"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleExportLine",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("version", models.BigIntegerField(default=0)),
                ("recipe", models.CharField(blank=True, max_length=64)),
                ("line", models.TextField(blank=True, null=True)),
                ("line_raw", models.TextField(blank=True, null=True)),
                (
                    "span_projects",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.BigIntegerField(), blank=True, null=True, size=None
                    ),
                ),
                ("spans_json", models.TextField(blank=True, null=True)),
            ],
        ),
        migrations.RunSQL(FUNCTIONS, REVERSE),
    ]
