"""Stable UUIDs for spans and actors, and codebook versions kept by PostgreSQL (issue 9, items 4, 5 and 7).

- `uuid` on Annotation and Actor: added with `gen_random_uuid()` as the column default, so every existing row
  gets its own (the backfill below states it explicitly), then made unique.
- `CodebookVersion`: statement triggers on the label table make a new version (the project's whole codebook as
  JSON, who from the transaction's `newsarchive.user_id` setting, when) whenever a label is added, removed, or
  its name, kind, colour, shortcut or description changes (also through raw SQL); a change of `order` alone makes
  none. Every existing project gets version 1, and every existing span that version.
- A row trigger on annotations sets `codebook_version` to the project's latest version on insert and on every
  change of the span, unless the writer sets it (load_export restoring a span's version).
- The span export JSON (newsarchive_annotation_export_json) gains uuid, label id, annotator id, codebook version,
  reviewer and review time, and names the label as it was in the span's codebook version. As 0005 asks of a
  migration that changes what the span export writes, the stored export lines are emptied.
"""

import uuid

import django.contrib.postgres.functions
import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

ISO = """'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'"""

BACKFILL_UUIDS = """
UPDATE annotations_annotation SET uuid = gen_random_uuid() WHERE uuid IS NULL;
UPDATE annotations_actor SET uuid = gen_random_uuid() WHERE uuid IS NULL;
"""

CODEBOOK = r"""
-- The project's deleted with its versions even when a label trigger made one during the delete.
ALTER TABLE annotations_codebookversion ADD CONSTRAINT codebookversion_project_fk
    FOREIGN KEY (project_id) REFERENCES annotations_project (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;

-- What a version records of each label (not `order`: reordering the palette changes no meaning).
CREATE FUNCTION newsarchive_codebook_labels(p bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
SELECT COALESCE(jsonb_agg(jsonb_build_object(
    'id', l.id, 'name', l.name, 'kind', l.kind, 'colour', l.colour, 'shortcut', l.shortcut,
    'description', l.description) ORDER BY l.id), '[]'::jsonb)
FROM annotations_label l WHERE l.project_id = p
$$;

CREATE FUNCTION newsarchive_new_codebook_version(p bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    codebook jsonb;
    author bigint := NULLIF(current_setting('newsarchive.user_id', true), '')::bigint;
BEGIN
    -- One writer at a time per project, so that numbers follow each other.
    PERFORM 1 FROM annotations_project WHERE id = p FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    codebook := newsarchive_codebook_labels(p);
    IF codebook = (SELECT v.labels FROM annotations_codebookversion v WHERE v.project_id = p
                 ORDER BY v.number DESC LIMIT 1) THEN
        RETURN;
    END IF;
    INSERT INTO annotations_codebookversion (project_id, number, created_at, created_by_id, labels)
    SELECT p, COALESCE(MAX(v.number), 0) + 1, now(), (SELECT u.id FROM auth_user u WHERE u.id = author), codebook
    FROM annotations_codebookversion v WHERE v.project_id = p;
END $$;

CREATE FUNCTION newsarchive_labels_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        FOR p IN SELECT DISTINCT project_id FROM new_labels ORDER BY 1 LOOP
            PERFORM newsarchive_new_codebook_version(p);
        END LOOP;
    ELSIF TG_OP = 'DELETE' THEN
        FOR p IN SELECT DISTINCT project_id FROM old_labels ORDER BY 1 LOOP
            PERFORM newsarchive_new_codebook_version(p);
        END LOOP;
    ELSE
        FOR p IN SELECT project_id FROM old_labels UNION SELECT project_id FROM new_labels ORDER BY 1 LOOP
            PERFORM newsarchive_new_codebook_version(p);
        END LOOP;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER label_codebook_insert AFTER INSERT ON annotations_label
    REFERENCING NEW TABLE AS new_labels FOR EACH STATEMENT EXECUTE FUNCTION newsarchive_labels_changed();
CREATE TRIGGER label_codebook_update AFTER UPDATE ON annotations_label
    REFERENCING OLD TABLE AS old_labels NEW TABLE AS new_labels
    FOR EACH STATEMENT EXECUTE FUNCTION newsarchive_labels_changed();
CREATE TRIGGER label_codebook_delete AFTER DELETE ON annotations_label
    REFERENCING OLD TABLE AS old_labels FOR EACH STATEMENT EXECUTE FUNCTION newsarchive_labels_changed();

-- A span takes the project's latest version when made and whenever it changes (a cache refresh is no change);
-- a writer that sets the version itself (a load restoring a span) keeps it.
CREATE FUNCTION newsarchive_annotation_codebook_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before annotations_annotation;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.codebook_version_id IS DISTINCT FROM OLD.codebook_version_id THEN
            RETURN NEW;
        END IF;
        before := OLD;
        before.cached_json := NEW.cached_json;
        before.cached_export_json := NEW.cached_export_json;
        IF before IS NOT DISTINCT FROM NEW THEN
            RETURN NEW;
        END IF;
    ELSIF NEW.codebook_version_id IS NOT NULL THEN
        RETURN NEW;
    END IF;
    NEW.codebook_version_id := (SELECT v.id FROM annotations_codebookversion v WHERE v.project_id = NEW.project_id
                                ORDER BY v.number DESC LIMIT 1);
    RETURN NEW;
END $$;
CREATE TRIGGER annotation_codebook_version BEFORE INSERT OR UPDATE ON annotations_annotation
    FOR EACH ROW EXECUTE FUNCTION newsarchive_annotation_codebook_version();

-- Version 1 for every existing project, and for its spans.
INSERT INTO annotations_codebookversion (project_id, number, created_at, created_by_id, labels)
SELECT p.id, 1, now(), NULL, newsarchive_codebook_labels(p.id) FROM annotations_project p;
UPDATE annotations_annotation a SET codebook_version_id = v.id
FROM annotations_codebookversion v WHERE v.project_id = a.project_id AND v.number = 1;
"""

CODEBOOK_REVERSE = r"""
ALTER TABLE annotations_codebookversion DROP CONSTRAINT IF EXISTS codebookversion_project_fk;
DROP TRIGGER IF EXISTS annotation_codebook_version ON annotations_annotation;
DROP FUNCTION IF EXISTS newsarchive_annotation_codebook_version();
DROP TRIGGER IF EXISTS label_codebook_delete ON annotations_label;
DROP TRIGGER IF EXISTS label_codebook_update ON annotations_label;
DROP TRIGGER IF EXISTS label_codebook_insert ON annotations_label;
DROP FUNCTION IF EXISTS newsarchive_labels_changed();
DROP FUNCTION IF EXISTS newsarchive_new_codebook_version(bigint);
DROP FUNCTION IF EXISTS newsarchive_codebook_labels(bigint);
"""

# The span as the JSON Lines export writes it. The label (name, kind, colour) is the one of the span's codebook
# version: renaming a label never rewrites what past spans were coded as. Reviewer and review time are read
# with to_jsonb(a) so that this function is the same before and after the review columns (reviewed_by,
# reviewed_at) come with the review history change: a column the table lacks reads as null.
EXPORT_JSON = r"""
CREATE OR REPLACE FUNCTION newsarchive_annotation_export_json(annotation_id bigint) RETURNS text
LANGUAGE sql VOLATILE AS $$
SELECT json_build_object(
    'id', a.id, 'uuid', a.uuid, 'project', p.slug,
    'label', COALESCE(cl.entry ->> 'name', l.name), 'label_kind', COALESCE(cl.entry ->> 'kind', l.kind),
    'label_colour', COALESCE(cl.entry ->> 'colour', l.colour), 'label_id', a.label_id,
    'codebook_version', cv.number,
    'annotator', u.username, 'annotator_id', a.annotator_id, 'status', a.status,
    'reviewer', ru.username, 'reviewer_id', rv.reviewer_id,
    'reviewed_at', to_char(rv.reviewed_at AT TIME ZONE 'UTC', ISO_8601_UTC),
    'start', a.start, 'end', a."end", 'quote', a.quote,
    'prefix', a.prefix, 'suffix', a.suffix, 'note', a.note, 'attributes', a.attributes,
    'created_at', to_char(a.created_at AT TIME ZONE 'UTC', ISO_8601_UTC),
    'updated_at', to_char(a.updated_at AT TIME ZONE 'UTC', ISO_8601_UTC),
    'actors', COALESCE((SELECT json_agg(newsarchive_actor_export_json(k.actor_id) ORDER BY k.id)
                        FROM annotations_actorlink k WHERE k.annotation_id = a.id), '[]'::json),
    'source', (SELECT json_build_object('kind', s.kind, 'anonymity', s.anonymity, 'cue', s.cue, 'channel', s.channel)
               FROM annotations_sourceattribution s WHERE s.annotation_id = a.id),
    'claim', (SELECT json_build_object(
                  'claimant', newsarchive_actor_export_json(c.claimant_id),
                  'claimant_is_outlet', c.claimant_is_outlet,
                  'claimant_mention', c.claimant_mention_id, 'source_annotation', c.source_annotation_id,
                  'speech', c.speech, 'claim_date', c.claim_date,
                  'about', COALESCE((SELECT json_agg(newsarchive_actor_export_json(b.actor_id) ORDER BY b.id)
                                     FROM annotations_claimabout b WHERE b.claim_id = c.annotation_id), '[]'::json),
                  'stance', c.stance, 'verdict', c.verdict, 'topic', c.topic)
              FROM annotations_claim c WHERE c.annotation_id = a.id)
)::text
FROM annotations_annotation a
JOIN annotations_project p ON p.id = a.project_id
JOIN annotations_label l ON l.id = a.label_id
JOIN auth_user u ON u.id = a.annotator_id
LEFT JOIN annotations_codebookversion cv ON cv.id = a.codebook_version_id
LEFT JOIN LATERAL (SELECT e AS entry FROM jsonb_array_elements(cv.labels) AS e
                   WHERE (e ->> 'id')::bigint = a.label_id LIMIT 1) cl ON true
CROSS JOIN LATERAL (SELECT (to_jsonb(a) ->> 'reviewed_by_id')::bigint AS reviewer_id,
                           (to_jsonb(a) ->> 'reviewed_at')::timestamptz AS reviewed_at) rv
LEFT JOIN auth_user ru ON ru.id = rv.reviewer_id
WHERE a.id = $1
$$;
-- Actors carry their UUID, description and parent (by UUID), so that a load can match and restore them.
CREATE OR REPLACE FUNCTION newsarchive_actor_export_json(actor_id bigint) RETURNS json LANGUAGE sql VOLATILE AS $$
SELECT json_build_object(
    'id', x.id, 'uuid', x.uuid, 'name', x.name, 'kind', x.kind, 'country', x.country, 'acled_inter', x.acled_inter,
    'wikidata_qid', x.wikidata_qid, 'cameo_code', x.cameo_code, 'description', x.description,
    'parent', (SELECT json_build_object('uuid', px.uuid, 'name', px.name, 'kind', px.kind, 'wikidata_qid', px.wikidata_qid)
               FROM annotations_actor px WHERE px.id = x.parent_id),
    'aliases', COALESCE((SELECT json_agg(al.name ORDER BY al.name) FROM annotations_actoralias al
                         WHERE al.actor_id = x.id), '[]'::json))
FROM annotations_actor x WHERE x.id = $1
$$;
DROP TRIGGER actor_span_cache ON annotations_actor;
CREATE TRIGGER actor_span_cache AFTER UPDATE ON annotations_actor FOR EACH ROW
    WHEN ((OLD.name, OLD.kind, OLD.country, OLD.acled_inter, OLD.wikidata_qid, OLD.cameo_code, OLD.description,
           OLD.parent_id, OLD.uuid)
          IS DISTINCT FROM (NEW.name, NEW.kind, NEW.country, NEW.acled_inter, NEW.wikidata_qid, NEW.cameo_code,
                            NEW.description, NEW.parent_id, NEW.uuid))
    EXECUTE FUNCTION newsarchive_actor_changed('id');

-- What an export line shows of its projects: name, description, team, codebook versions, and the article's
-- assignments (submission state). TG_ARGV[0] names the row's column holding the project id.
CREATE FUNCTION newsarchive_project_lines_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    projects bigint[] := '{}';
BEGIN
    IF TG_OP <> 'INSERT' THEN
        projects := projects || (to_jsonb(OLD) ->> TG_ARGV[0])::bigint;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        projects := projects || (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;
    END IF;
    PERFORM newsarchive_forget_export_lines(ARRAY(
        SELECT article_id FROM annotations_project_articles WHERE project_id = ANY(projects)));
    RETURN NULL;
END $$;
CREATE TRIGGER membership_export_line AFTER INSERT OR UPDATE OR DELETE ON annotations_membership
    FOR EACH ROW EXECUTE FUNCTION newsarchive_project_lines_changed('project_id');
CREATE TRIGGER codebookversion_export_line AFTER INSERT OR UPDATE OR DELETE ON annotations_codebookversion
    FOR EACH ROW EXECUTE FUNCTION newsarchive_project_lines_changed('project_id');
CREATE TRIGGER project_details_export_line AFTER UPDATE ON annotations_project FOR EACH ROW
    WHEN ((OLD.name, OLD.description) IS DISTINCT FROM (NEW.name, NEW.description))
    EXECUTE FUNCTION newsarchive_project_lines_changed('id');
CREATE TRIGGER assignment_export_line AFTER INSERT OR UPDATE OR DELETE ON annotations_assignment
    FOR EACH ROW EXECUTE FUNCTION newsarchive_export_line_changed('article_id');

UPDATE annotations_annotation SET cached_export_json = NULL WHERE cached_export_json IS NOT NULL;
UPDATE annotations_articleexportline SET version = version + 1, line = NULL, line_raw = NULL, spans_json = NULL;
""".replace("ISO_8601_UTC", ISO)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0011_span_history"),
        ("projects", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="annotation",
            name="uuid",
            field=models.UUIDField(
                null=True, editable=False, db_default=django.contrib.postgres.functions.RandomUUID()
            ),
        ),
        migrations.AddField(
            model_name="actor",
            name="uuid",
            field=models.UUIDField(
                null=True, editable=False, db_default=django.contrib.postgres.functions.RandomUUID()
            ),
        ),
        migrations.RunSQL(BACKFILL_UUIDS, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="annotation",
            name="uuid",
            field=models.UUIDField(
                default=uuid.uuid4,
                db_default=django.contrib.postgres.functions.RandomUUID(),
                editable=False,
                unique=True,
            ),
        ),
        migrations.AlterField(
            model_name="actor",
            name="uuid",
            field=models.UUIDField(
                default=uuid.uuid4,
                db_default=django.contrib.postgres.functions.RandomUUID(),
                editable=False,
                unique=True,
            ),
        ),
        migrations.CreateModel(
            name="CodebookVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveIntegerField()),
                ("created_at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
                (
                    "labels",
                    models.JSONField(default=list, help_text="[{id, name, kind, colour, shortcut, description}]"),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="codebook_versions",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "ordering": ["project", "number"],
                "constraints": [
                    models.UniqueConstraint(fields=("project", "number"), name="codebook_version_number_unique")
                ],
            },
        ),
        migrations.AddField(
            model_name="annotation",
            name="codebook_version",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="annotations",
                to="annotations.codebookversion",
            ),
        ),
        migrations.RunSQL(CODEBOOK, CODEBOOK_REVERSE),
        migrations.RunSQL(EXPORT_JSON, migrations.RunSQL.noop),
    ]
