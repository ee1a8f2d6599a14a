"""History of spans for the API: a view over the pghistory events of a span, its details and relations."""

from django.db import migrations

# (event table, model name in the API, the column naming the span)
BRANCHES = [
    ("annotations_annotationevent", "annotation", "pgh_obj_id"),
    ("annotations_sourceattributionevent", "source", "annotation_id"),
    ("annotations_claimevent", "claim", "annotation_id"),
    ("annotations_actorlinkevent", "actor_link", "annotation_id"),
    ("annotations_claimaboutevent", "claim_about", "claim_id"),
    ("annotations_relationevent", "relation", "source_id"),
    ("annotations_relationevent", "relation", "target_id"),
]
PGH = "ARRAY['pgh_id', 'pgh_created_at', 'pgh_label', 'pgh_obj_id', 'pgh_context_id']"


def _branch(table: str, model: str, span_column: str) -> str:
    # An annotation's update that changed only its version (a detail row was written) is not shown twice.
    quiet = (
        "WHERE e.pgh_label <> 'update' OR (to_jsonb(e) - " + PGH + " - 'version' - 'updated_at')"
        " IS DISTINCT FROM (prev.data - 'version' - 'updated_at')"
        if model == "annotation"
        else ""
    )
    return f"""
SELECT '{model}:' || e.pgh_id || ':' || e.{span_column} AS key, e.{span_column} AS span_id, '{model}' AS model,
       e.pgh_obj_id AS object_id, e.pgh_id AS event_id, e.pgh_label AS event, e.pgh_created_at AS created_at,
       to_jsonb(e) - {PGH} AS data, prev.data AS previous, c.metadata AS context, u.username::text AS username
FROM {table} e
LEFT JOIN LATERAL (SELECT to_jsonb(p) - {PGH} AS data FROM {table} p
                   WHERE p.pgh_obj_id = e.pgh_obj_id AND p.pgh_id < e.pgh_id
                   ORDER BY p.pgh_id DESC LIMIT 1) prev ON e.pgh_label = 'update'
LEFT JOIN pghistory_context c ON c.id = e.pgh_context_id
LEFT JOIN auth_user u ON u.id::text = c.metadata ->> 'user'
{quiet}"""  # noqa: S608 (our own table names)


VIEW = "CREATE VIEW annotations_span_events AS" + "\nUNION ALL".join(_branch(*branch) for branch in BRANCHES) + ";"
INDEXES = """
CREATE INDEX annotationevent_obj_pgh ON annotations_annotationevent (pgh_obj_id, pgh_id);
CREATE INDEX sourceattributionevent_obj_pgh ON annotations_sourceattributionevent (pgh_obj_id, pgh_id);
CREATE INDEX claimevent_obj_pgh ON annotations_claimevent (pgh_obj_id, pgh_id);
CREATE INDEX actorlinkevent_obj_pgh ON annotations_actorlinkevent (pgh_obj_id, pgh_id);
CREATE INDEX claimaboutevent_obj_pgh ON annotations_claimaboutevent (pgh_obj_id, pgh_id);
CREATE INDEX relationevent_obj_pgh ON annotations_relationevent (pgh_obj_id, pgh_id);
"""
REVERSE = "DROP VIEW IF EXISTS annotations_span_events;" + "".join(
    f"DROP INDEX IF EXISTS {line.split()[2]};" for line in INDEXES.strip().splitlines()
)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0010_version_triggers")]

    operations = [migrations.RunSQL(VIEW + INDEXES, REVERSE)]
