"""Versions kept by PostgreSQL, and review that follows edits (issue 9).

- `version` of annotations, relations, actors, aliases and labels: a BEFORE UPDATE trigger adds 1 whenever a
  write changes the row (a refresh of the span caches does not), raw SQL included. A write that sets `version`
  itself (a stale copy saved by the ORM, or the bump below) also moves it exactly one step from the stored one.
- A write to a span's detail rows (source attribution, claim, claim's "about" actors, actor links) bumps the
  span's version, and an alias's write bumps its actor's.
- Changing the offsets or label of an accepted or rejected span, or any of its details, sets it back to
  `submitted` (unless the same write sets the status, or the transaction says `newsarchive.keep_review = on`,
  as merging duplicate actors does); leaving accepted/rejected clears `reviewed_by`/`reviewed_at`.
- The span's API JSON gains `version`, `reviewed_by` and `reviewed_at`.
"""

import importlib

from django.db import migrations

_0006 = importlib.import_module("annotations.migrations.0006_annotation_json_plpgsql")

ISO = """'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'"""
_VERSIONED_SELECT = _0006.SELECT.replace(
    "'updated_at', to_char(a.updated_at AT TIME ZONE 'UTC', ISO_8601_UTC)",
    "'updated_at', to_char(a.updated_at AT TIME ZONE 'UTC', ISO_8601_UTC),\n"
    "        'version', a.version, 'reviewed_by', a.reviewed_by_id,\n"
    "        'reviewed_at', to_char(a.reviewed_at AT TIME ZONE 'UTC', ISO_8601_UTC)",
)
assert _VERSIONED_SELECT != _0006.SELECT

JSON_FUNCTION = (
    "CREATE OR REPLACE FUNCTION newsarchive_annotation_json(annotation_id bigint) RETURNS text"
    " LANGUAGE plpgsql VOLATILE AS $$\nBEGIN\n    RETURN (" + _VERSIONED_SELECT + "    );\nEND\n$$;"
).replace("ISO_8601_UTC", ISO)

FORWARD = r"""
CREATE FUNCTION newsarchive_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- TG_ARGV: columns whose change is not a write of the row (the caches).
    IF NEW.version IS DISTINCT FROM OLD.version
       OR (to_jsonb(NEW) - TG_ARGV) IS DISTINCT FROM (to_jsonb(OLD) - TG_ARGV) THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER annotation_version BEFORE UPDATE ON annotations_annotation
    FOR EACH ROW EXECUTE FUNCTION newsarchive_bump_version('cached_json', 'cached_export_json');
CREATE TRIGGER relation_version BEFORE UPDATE ON annotations_relation
    FOR EACH ROW EXECUTE FUNCTION newsarchive_bump_version('version');
CREATE TRIGGER actor_version BEFORE UPDATE ON annotations_actor
    FOR EACH ROW EXECUTE FUNCTION newsarchive_bump_version('version');
CREATE TRIGGER actoralias_version BEFORE UPDATE ON annotations_actoralias
    FOR EACH ROW EXECUTE FUNCTION newsarchive_bump_version('version');
CREATE TRIGGER label_version BEFORE UPDATE ON annotations_label
    FOR EACH ROW EXECUTE FUNCTION newsarchive_bump_version('version');

CREATE FUNCTION newsarchive_keeps_review() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT COALESCE(current_setting('newsarchive.keep_review', true), '') = 'on'
$$;

-- Review follows edits: a reviewed span whose offsets or label change goes back to review.
CREATE FUNCTION newsarchive_review_follows_edits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ('accepted', 'rejected') AND NEW.status = OLD.status
       AND (NEW.start, NEW."end", NEW.label_id) IS DISTINCT FROM (OLD.start, OLD."end", OLD.label_id)
       AND NOT newsarchive_keeps_review() THEN
        NEW.status := 'submitted';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status AND NEW.status NOT IN ('accepted', 'rejected') THEN
        NEW.reviewed_by_id := NULL;
        NEW.reviewed_at := NULL;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER annotation_review_follows_edits BEFORE UPDATE ON annotations_annotation
    FOR EACH ROW EXECUTE FUNCTION newsarchive_review_follows_edits();

-- A detail row written: its span has a new version, and a reviewed span goes back to review.
CREATE FUNCTION newsarchive_span_detail_written() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    span_id bigint;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        span_id := (to_jsonb(OLD) ->> TG_ARGV[0])::bigint;
    ELSE
        span_id := (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;
    END IF;
    UPDATE annotations_annotation SET version = version + 1,
        status = CASE WHEN status IN ('accepted', 'rejected') AND NOT newsarchive_keeps_review()
                      THEN 'submitted' ELSE status END
    WHERE id = span_id;
    RETURN NULL;
END $$;
CREATE TRIGGER actorlink_version AFTER INSERT OR UPDATE OR DELETE ON annotations_actorlink
    FOR EACH ROW EXECUTE FUNCTION newsarchive_span_detail_written('annotation_id');
CREATE TRIGGER sourceattribution_version AFTER INSERT OR UPDATE OR DELETE ON annotations_sourceattribution
    FOR EACH ROW EXECUTE FUNCTION newsarchive_span_detail_written('annotation_id');
CREATE TRIGGER claim_version AFTER INSERT OR UPDATE OR DELETE ON annotations_claim
    FOR EACH ROW EXECUTE FUNCTION newsarchive_span_detail_written('annotation_id');
CREATE TRIGGER claimabout_version AFTER INSERT OR UPDATE OR DELETE ON annotations_claimabout
    FOR EACH ROW EXECUTE FUNCTION newsarchive_span_detail_written('claim_id');

CREATE FUNCTION newsarchive_alias_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD IS NOT DISTINCT FROM NEW THEN
        RETURN NULL;
    END IF;
    UPDATE annotations_actor SET version = version + 1
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.actor_id ELSE NEW.actor_id END;
    RETURN NULL;
END $$;
CREATE TRIGGER actoralias_actor_version AFTER INSERT OR UPDATE OR DELETE ON annotations_actoralias
    FOR EACH ROW EXECUTE FUNCTION newsarchive_alias_written();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS actoralias_actor_version ON annotations_actoralias;
DROP FUNCTION IF EXISTS newsarchive_alias_written();
DROP TRIGGER IF EXISTS claimabout_version ON annotations_claimabout;
DROP TRIGGER IF EXISTS claim_version ON annotations_claim;
DROP TRIGGER IF EXISTS sourceattribution_version ON annotations_sourceattribution;
DROP TRIGGER IF EXISTS actorlink_version ON annotations_actorlink;
DROP FUNCTION IF EXISTS newsarchive_span_detail_written();
DROP TRIGGER IF EXISTS annotation_review_follows_edits ON annotations_annotation;
DROP FUNCTION IF EXISTS newsarchive_review_follows_edits();
DROP FUNCTION IF EXISTS newsarchive_keeps_review();
DROP TRIGGER IF EXISTS label_version ON annotations_label;
DROP TRIGGER IF EXISTS actoralias_version ON annotations_actoralias;
DROP TRIGGER IF EXISTS actor_version ON annotations_actor;
DROP TRIGGER IF EXISTS relation_version ON annotations_relation;
DROP TRIGGER IF EXISTS annotation_version ON annotations_annotation;
DROP FUNCTION IF EXISTS newsarchive_bump_version();
"""


class Migration(migrations.Migration):
    dependencies = [("annotations", "0009_versions_review_history")]

    operations = [
        migrations.RunSQL(FORWARD, REVERSE),
        migrations.RunSQL(JSON_FUNCTION, _0006.FORWARD),
    ]
