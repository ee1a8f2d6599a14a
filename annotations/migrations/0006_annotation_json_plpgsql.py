"""newsarchive_annotation_json in PL/pgSQL: the same SELECT (same output), but its plan is cached per session.

A LANGUAGE sql function that is not inlined is planned again on every call (~0.5-0.8 ms for one span, e.g.
the response to creating it); PL/pgSQL keeps the plan of its statement.
"""

from django.db import migrations

ISO = """'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'"""

SELECT = r"""
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
"""

FORWARD = (
    "CREATE OR REPLACE FUNCTION newsarchive_annotation_json(annotation_id bigint) RETURNS text"
    " LANGUAGE plpgsql VOLATILE AS $$\nBEGIN\n    RETURN (" + SELECT + "    );\nEND\n$$;"
).replace("ISO_8601_UTC", ISO)

REVERSE = (
    "CREATE OR REPLACE FUNCTION newsarchive_annotation_json(annotation_id bigint) RETURNS text"
    " LANGUAGE sql VOLATILE AS $$" + SELECT + "$$;"
).replace("ISO_8601_UTC", ISO)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0005_export_line_cache")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
