"""Pre-serialised JSON of each annotation, kept by PostgreSQL so that reads never rebuild it row by row.

`cached_json` is the API representation of a span (docs/api.md), `cached_export_json` the span as
the JSON Lines export writes it. Both are filled lazily (annotations.cache.refresh_span_cache) and set to
NULL by triggers whenever the span or anything shown in it changes, even by raw SQL; readers use
`COALESCE(cached_json, newsarchive_annotation_json(id))`, so a NULL cache is never wrong, only slower.

The functions are VOLATILE on purpose: a refresh that waits for a writer's row lock re-evaluates them with a
fresh snapshot (READ COMMITTED), so it cannot store what the writer has just changed. For the same reason the
detail triggers NULL the annotation row unconditionally (taking its row lock).
"""

from django.db import migrations, models

ISO = """'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'"""

FUNCTIONS = r"""
CREATE FUNCTION newsarchive_annotation_json(annotation_id bigint) RETURNS text LANGUAGE sql VOLATILE AS $$
SELECT json_build_object(
    'id', a.id, 'project', a.project_id, 'article', a.article_id, 'label', a.label_id,
    'label_name', l.name, 'label_kind', l.kind, 'annotator', a.annotator_id, 'annotator_name', u.username,
    'start', a.start, 'end', a."end", 'quote', a.quote, 'prefix', a.prefix, 'suffix', a.suffix,
    'status', a.status, 'note', a.note,
    'actors', COALESCE((SELECT json_agg(k.actor_id ORDER BY k.id) FROM annotations_actorlink k
                        WHERE k.annotation_id = a.id), '[]'::json),
    'attributes', a.attributes,
    'source', (SELECT json_build_object('kind', s.kind, 'anonymity', s.anonymity, 'cue', s.cue, 'channel', s.channel)
               FROM annotations_sourceattribution s WHERE s.annotation_id = a.id),
    'claim', (SELECT json_build_object(
                  'claimant', c.claimant_id, 'claimant_is_outlet', c.claimant_is_outlet,
                  'claimant_mention', c.claimant_mention_id, 'source_annotation', c.source_annotation_id,
                  'speech', c.speech, 'claim_date', c.claim_date,
                  'about', COALESCE((SELECT json_agg(b.actor_id ORDER BY b.id) FROM annotations_claimabout b
                                     WHERE b.claim_id = c.annotation_id), '[]'::json),
                  'stance', c.stance, 'verdict', c.verdict, 'topic', c.topic)
              FROM annotations_claim c WHERE c.annotation_id = a.id),
    'created_at', to_char(a.created_at AT TIME ZONE 'UTC', ISO_8601_UTC),
    'updated_at', to_char(a.updated_at AT TIME ZONE 'UTC', ISO_8601_UTC)
)::text
FROM annotations_annotation a
JOIN annotations_label l ON l.id = a.label_id
JOIN auth_user u ON u.id = a.annotator_id
WHERE a.id = $1
$$;

CREATE FUNCTION newsarchive_actor_export_json(actor_id bigint) RETURNS json LANGUAGE sql VOLATILE AS $$
SELECT json_build_object(
    'id', x.id, 'name', x.name, 'kind', x.kind, 'country', x.country, 'acled_inter', x.acled_inter,
    'wikidata_qid', x.wikidata_qid, 'cameo_code', x.cameo_code,
    'aliases', COALESCE((SELECT json_agg(al.name ORDER BY al.name) FROM annotations_actoralias al
                         WHERE al.actor_id = x.id), '[]'::json))
FROM annotations_actor x WHERE x.id = $1
$$;

CREATE FUNCTION newsarchive_annotation_export_json(annotation_id bigint) RETURNS text LANGUAGE sql VOLATILE AS $$
SELECT json_build_object(
    'id', a.id, 'project', p.slug, 'label', l.name, 'label_kind', l.kind, 'label_colour', l.colour,
    'annotator', u.username, 'status', a.status, 'start', a.start, 'end', a."end", 'quote', a.quote,
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
WHERE a.id = $1
$$;

-- Any change to the span's own columns makes its caches stale; a refresh (only the caches change) keeps them.
CREATE FUNCTION newsarchive_annotation_cache_stale() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before annotations_annotation;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        before := OLD;
        before.cached_json := NEW.cached_json;
        before.cached_export_json := NEW.cached_export_json;
        IF before IS NOT DISTINCT FROM NEW THEN
            RETURN NEW;
        END IF;
    END IF;
    NEW.cached_json := NULL;
    NEW.cached_export_json := NULL;
    RETURN NEW;
END $$;
CREATE TRIGGER annotation_cache_stale BEFORE INSERT OR UPDATE ON annotations_annotation
    FOR EACH ROW EXECUTE FUNCTION newsarchive_annotation_cache_stale();

CREATE FUNCTION newsarchive_forget_span_json(ids bigint[]) RETURNS void LANGUAGE sql AS $$
UPDATE annotations_annotation SET cached_json = NULL, cached_export_json = NULL WHERE id = ANY(ids)
$$;

-- A detail row (actor link, source attribution, claim, claim's actor) changed: its span's caches are stale.
-- TG_ARGV[0] names the detail's column holding the annotation id.
CREATE FUNCTION newsarchive_span_detail_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[] := '{}';
BEGIN
    IF TG_OP <> 'INSERT' THEN
        ids := ids || (to_jsonb(OLD) ->> TG_ARGV[0])::bigint;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        ids := ids || (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;
    END IF;
    PERFORM newsarchive_forget_span_json(ids);
    RETURN NULL;
END $$;
CREATE TRIGGER actorlink_span_cache AFTER INSERT OR UPDATE OR DELETE ON annotations_actorlink
    FOR EACH ROW EXECUTE FUNCTION newsarchive_span_detail_changed('annotation_id');
CREATE TRIGGER sourceattribution_span_cache AFTER INSERT OR UPDATE OR DELETE ON annotations_sourceattribution
    FOR EACH ROW EXECUTE FUNCTION newsarchive_span_detail_changed('annotation_id');
CREATE TRIGGER claim_span_cache AFTER INSERT OR UPDATE OR DELETE ON annotations_claim
    FOR EACH ROW EXECUTE FUNCTION newsarchive_span_detail_changed('annotation_id');
CREATE TRIGGER claimabout_span_cache AFTER INSERT OR UPDATE OR DELETE ON annotations_claimabout
    FOR EACH ROW EXECUTE FUNCTION newsarchive_span_detail_changed('claim_id');

-- Shared rows shown in spans: a label's name/kind/colour, a project's slug, a username, a registry entry.
CREATE FUNCTION newsarchive_label_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE annotations_annotation SET cached_json = NULL, cached_export_json = NULL WHERE label_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER label_span_cache AFTER UPDATE ON annotations_label FOR EACH ROW
    WHEN ((OLD.name, OLD.kind, OLD.colour) IS DISTINCT FROM (NEW.name, NEW.kind, NEW.colour))
    EXECUTE FUNCTION newsarchive_label_changed();

CREATE FUNCTION newsarchive_project_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE annotations_annotation SET cached_export_json = NULL WHERE project_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER project_span_cache AFTER UPDATE ON annotations_project FOR EACH ROW
    WHEN (OLD.slug IS DISTINCT FROM NEW.slug) EXECUTE FUNCTION newsarchive_project_changed();

CREATE FUNCTION newsarchive_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE annotations_annotation SET cached_json = NULL, cached_export_json = NULL WHERE annotator_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER user_span_cache AFTER UPDATE ON auth_user FOR EACH ROW
    WHEN (OLD.username IS DISTINCT FROM NEW.username) EXECUTE FUNCTION newsarchive_user_changed();

-- The export shows registry entries in full: an actor's fields or aliases changed.
CREATE FUNCTION newsarchive_forget_actor_json(actor_ids bigint[]) RETURNS void LANGUAGE sql AS $$
UPDATE annotations_annotation SET cached_export_json = NULL
WHERE id IN (SELECT annotation_id FROM annotations_actorlink WHERE actor_id = ANY(actor_ids)
             UNION SELECT annotation_id FROM annotations_claim WHERE claimant_id = ANY(actor_ids)
             UNION SELECT claim_id FROM annotations_claimabout WHERE actor_id = ANY(actor_ids))
$$;
CREATE FUNCTION newsarchive_actor_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[] := '{}';
BEGIN
    IF TG_OP <> 'INSERT' THEN
        ids := ids || (to_jsonb(OLD) ->> TG_ARGV[0])::bigint;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        ids := ids || (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;
    END IF;
    PERFORM newsarchive_forget_actor_json(ids);
    RETURN NULL;
END $$;
CREATE TRIGGER actor_span_cache AFTER UPDATE ON annotations_actor FOR EACH ROW
    WHEN ((OLD.name, OLD.kind, OLD.country, OLD.acled_inter, OLD.wikidata_qid, OLD.cameo_code)
          IS DISTINCT FROM (NEW.name, NEW.kind, NEW.country, NEW.acled_inter, NEW.wikidata_qid, NEW.cameo_code))
    EXECUTE FUNCTION newsarchive_actor_changed('id');
CREATE TRIGGER actoralias_span_cache AFTER INSERT OR UPDATE OR DELETE ON annotations_actoralias
    FOR EACH ROW EXECUTE FUNCTION newsarchive_actor_changed('actor_id');

-- The span check of 0003 depends only on these columns (the article's text is frozen once annotated):
-- updates that touch only the caches need not re-read the article.
DROP TRIGGER annotation_span ON annotations_annotation;
CREATE TRIGGER annotation_span BEFORE INSERT OR UPDATE OF article_id, project_id, label_id, start, "end", quote
    ON annotations_annotation FOR EACH ROW EXECUTE FUNCTION newsarchive_annotation_span();
""".replace("ISO_8601_UTC", ISO)

REVERSE = r"""
DROP TRIGGER IF EXISTS annotation_span ON annotations_annotation;
CREATE TRIGGER annotation_span BEFORE INSERT OR UPDATE ON annotations_annotation
    FOR EACH ROW EXECUTE FUNCTION newsarchive_annotation_span();
DROP TRIGGER IF EXISTS actoralias_span_cache ON annotations_actoralias;
DROP TRIGGER IF EXISTS actor_span_cache ON annotations_actor;
DROP FUNCTION IF EXISTS newsarchive_actor_changed();
DROP FUNCTION IF EXISTS newsarchive_forget_actor_json(bigint[]);
DROP TRIGGER IF EXISTS user_span_cache ON auth_user;
DROP FUNCTION IF EXISTS newsarchive_user_changed();
DROP TRIGGER IF EXISTS project_span_cache ON annotations_project;
DROP FUNCTION IF EXISTS newsarchive_project_changed();
DROP TRIGGER IF EXISTS label_span_cache ON annotations_label;
DROP FUNCTION IF EXISTS newsarchive_label_changed();
DROP TRIGGER IF EXISTS claimabout_span_cache ON annotations_claimabout;
DROP TRIGGER IF EXISTS claim_span_cache ON annotations_claim;
DROP TRIGGER IF EXISTS sourceattribution_span_cache ON annotations_sourceattribution;
DROP TRIGGER IF EXISTS actorlink_span_cache ON annotations_actorlink;
DROP FUNCTION IF EXISTS newsarchive_span_detail_changed();
DROP FUNCTION IF EXISTS newsarchive_forget_span_json(bigint[]);
DROP TRIGGER IF EXISTS annotation_cache_stale ON annotations_annotation;
DROP FUNCTION IF EXISTS newsarchive_annotation_cache_stale();
DROP FUNCTION IF EXISTS newsarchive_annotation_export_json(bigint);
DROP FUNCTION IF EXISTS newsarchive_actor_export_json(bigint);
DROP FUNCTION IF EXISTS newsarchive_annotation_json(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0003_invariants"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="annotation",
            name="cached_export_json",
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="annotation",
            name="cached_json",
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(FUNCTIONS, REVERSE),
    ]
