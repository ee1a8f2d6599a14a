"""The stored JSON Lines lines (ArticleExportLine, migration 0005): byte for byte the line written live, served
only to exports that see everything in it, and dropped by every change to what it shows, even by raw SQL."""

# ruff: noqa: S608

import pytest
from django.db import connection

from annotations import exports, services
from annotations.cache import refresh_span_cache
from annotations.models import ArticleExportLine, Label, Relation
from articles.models import Article
from tests.api.conftest import client_for
from tests.factories import ActorFactory, ArticleFactory, OutletFactory, ProjectFactory, SnapshotFactory, label

TEXTS = [
    'Le "chef" \\ Haftar 😀 a dit:\n\t«\u0001 Tripoli » </script> ok.',
    "🇱🇾 Khalifa Haftar thanked Vladimir Putin, the Kremlin said 😀 on Friday.",
    "Plain text with a backslash \\n and a quote \" and an apostrophe ' here.",
]


@pytest.fixture
def corpus(project, annotator, reviewer):
    """Articles with awkward characters in text, metadata, notes and snapshot, coded with all kinds of spans."""
    haftar = services.create_actor(name='Khalifa "Haftar" \\', kind="person", aliases=["Haftar 😀"])
    putin = ActorFactory(name="Vladimir Putin")
    articles = []
    for n, text in enumerate(TEXTS):
        snapshot = SnapshotFactory(raw=f"<p>{text}</p>\x00\xff".encode(), content_type="text/html")
        article = ArticleFactory(
            snapshot=snapshot,
            text=text,
            title=f'Title "{n}" \\ 😀',
            byline="«Byline»",
            metadata={"keywords": ['a"b', "c\\d", "😀"]},
            outlet=OutletFactory(name=f'Outlet "{n}"'),
        )
        project.articles.add(article)
        start = text.index("Haftar") if "Haftar" in text else 0
        actor = services.create_annotation(
            project=project,
            article=article,
            label=label(project, Label.Kind.ACTOR),
            annotator=annotator,
            start=start,
            end=start + 6,
            actors=[haftar],
            note='a "note" \\ 😀\n',
            attributes={"nested": {"x": [1, 2.5, None, True]}},
        )
        source = services.create_annotation(
            project=project,
            article=article,
            label=label(project, Label.Kind.SOURCE),
            annotator=reviewer,
            start=0,
            end=5,
            actors=[putin],
            source={"kind": "official_statement", "anonymity": "named", "cue": 'a "dit"'},
        )
        services.create_annotation(
            project=project,
            article=article,
            label=label(project, Label.Kind.CLAIM),
            annotator=annotator,
            start=start,
            end=len(text),
            claim={"claimant": haftar, "claimant_mention": actor, "source_annotation": source, "about": [putin]},
        )
        services.create_relation(source=actor, target=source, kind="attributed_to", annotator=reviewer)
        articles.append(article)
    articles.append(ArticleFactory())  # an article of no project, with no spans
    return articles


def export(scope, raw=True):
    return b"".join(exports.jsonl_lines(Article.objects.all(), scope, include_raw=raw))


def stored(article):
    return ArticleExportLine.objects.filter(article=article).values_list("line", "line_raw").first()


def test_stored_lines_equal_the_lines_written_live_for_every_article(corpus, project, project_admin):
    scopes = [exports.Scope(), exports.scope_for(project_admin)]
    live = {(scope, raw): export(scope, raw) for scope in scopes for raw in (True, False)}
    refresh_span_cache()
    assert exports.refresh_export_lines() == len(corpus)
    for article in corpus:
        line, line_raw = stored(article)
        for raw, kept in ((False, line), (True, line_raw)):
            sql, params = exports._line_sql([article.pk], exports.Scope(), raw)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                assert cursor.fetchall() == [(article.pk, kept)]
    for (scope, raw), before in live.items():
        assert export(scope, raw) == before
    assert exports.refresh_export_lines() == 0


def test_stored_lines_serve_only_exports_that_see_everything_in_them(corpus, project, annotator, project_admin):
    exports.refresh_export_lines()
    ArticleExportLine.objects.update(line="marker", line_raw="marker")  # not a change any trigger sees
    everything = export(exports.Scope(), raw=False)
    assert everything.count(b"marker") == len(corpus)
    assert export(exports.scope_for(project_admin)).count(b"marker") == len(corpus)
    # The annotator sees only their own spans: only the article with none is served its stored line.
    assert export(exports.scope_for(annotator)).splitlines()[-1] == b"marker"
    assert export(exports.scope_for(annotator)).count(b"marker") == 1
    assert b"marker" not in export(exports.Scope(None, project.pk))
    other = ProjectFactory()
    other.articles.add(corpus[0])  # a project the admin is not in: its slug would show
    ArticleExportLine.objects.update(line="marker", line_raw="marker")
    admin_lines = export(exports.scope_for(project_admin)).splitlines()
    assert b"marker" not in admin_lines[0] and admin_lines[1] == b"marker"


def raw_sql(statement):
    def change(article):
        with connection.cursor() as cursor:
            cursor.execute(statement, {"article": article.pk})

    return change


def add_span(article):
    project = article.projects.get()
    services.create_annotation(
        project=project,
        article=article,
        label=label(project, Label.Kind.ACTOR),
        annotator=article.annotations.first().annotator,
        start=0,
        end=3,
    )


SPANS = "SELECT id FROM annotations_annotation WHERE article_id = %(article)s"
CHANGES = {
    "article": raw_sql("UPDATE articles_article SET title = 'x' WHERE id = %(article)s"),
    "article metadata": raw_sql("UPDATE articles_article SET metadata = '{}' WHERE id = %(article)s"),
    "snapshot": raw_sql(
        "UPDATE articles_snapshot SET filename = 'x' WHERE id = (SELECT snapshot_id FROM articles_article"
        " WHERE id = %(article)s)"
    ),
    "outlet": raw_sql(
        "UPDATE articles_outlet SET name = 'x' WHERE id = (SELECT outlet_id FROM articles_article"
        " WHERE id = %(article)s)"
    ),
    "project link added": lambda article: ProjectFactory().articles.add(article),
    "project link removed": raw_sql("DELETE FROM annotations_project_articles WHERE article_id = %(article)s"),
    "project slug": raw_sql(
        "UPDATE annotations_project SET slug = 'renamed' WHERE id IN (SELECT project_id FROM"
        " annotations_project_articles WHERE article_id = %(article)s)"
    ),
    "span": raw_sql(f"UPDATE annotations_annotation SET note = 'x' WHERE id IN ({SPANS})"),
    "span added": add_span,
    "span deleted": lambda article: article.annotations.filter(label__kind=Label.Kind.CLAIM).delete(),
    "label": raw_sql(
        f"UPDATE annotations_label SET colour = '#000000' WHERE id IN (SELECT label_id FROM ({SPANS}) s"
        " JOIN annotations_annotation a USING (id))"
    ),
    "annotator": raw_sql(
        f"UPDATE auth_user SET username = username || '-renamed' WHERE id IN (SELECT annotator_id FROM ({SPANS}) s"
        " JOIN annotations_annotation a USING (id))"
    ),
    "actor": raw_sql("UPDATE annotations_actor SET country = 'FRA'"),
    "actor alias": raw_sql(
        "INSERT INTO annotations_actoralias (actor_id, name) SELECT id, 'alias' FROM annotations_actor"
    ),
    "actor link": raw_sql(f"DELETE FROM annotations_actorlink WHERE annotation_id IN ({SPANS})"),
    "source attribution": raw_sql(
        f"UPDATE annotations_sourceattribution SET cue = 'x' WHERE annotation_id IN ({SPANS})"
    ),
    "claim": raw_sql(f"UPDATE annotations_claim SET speech = 'direct' WHERE annotation_id IN ({SPANS})"),
    "claim about": raw_sql(f"DELETE FROM annotations_claimabout WHERE claim_id IN ({SPANS})"),
    "relation": raw_sql("UPDATE annotations_relation SET note = 'x' WHERE article_id = %(article)s"),
    "relation deleted": lambda article: Relation.objects.filter(article=article).delete(),
    "relation annotator": raw_sql(
        "UPDATE auth_user SET username = username || '-renamed' WHERE id IN (SELECT annotator_id"
        " FROM annotations_relation"
        " WHERE article_id = %(article)s)"
    ),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_any_change_to_what_a_line_shows_drops_it(corpus, change):
    article = corpus[0]
    refresh_span_cache()
    exports.refresh_export_lines()
    assert None not in stored(article)
    change(article)
    assert stored(article) == (None, None)
    refresh_span_cache()
    exports.refresh_export_lines()
    sql, params = exports._line_sql([article.pk], exports.Scope(), True)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert cursor.fetchall() == [(article.pk, stored(article)[1])]


def test_refreshing_span_caches_keeps_the_lines(corpus):
    exports.refresh_export_lines()
    refresh_span_cache()
    assert None not in stored(corpus[0])


def article_list(user, query=""):
    response = client_for(user).get(f"/api/articles/?include=annotations&page_size=500{query}")
    assert response.status_code == 200
    return response.content


def test_article_lists_embed_the_stored_spans_only_where_they_are_exactly_what_the_user_sees(
    corpus, project, annotator, reviewer, project_admin, staff
):
    users = [annotator, reviewer, project_admin, staff]
    queries = ["", f"&project={project.pk}"]
    live = {(user.pk, query): article_list(user, query) for user in users for query in queries}
    exports.refresh_export_lines()
    for (user_id, query), before in live.items():
        assert article_list(next(u for u in users if u.pk == user_id), query) == before
    ArticleExportLine.objects.exclude(spans_json=None).update(spans_json='{"marker": 1}')
    assert b"marker" not in article_list(annotator)
    for user in (reviewer, project_admin, staff):
        assert article_list(user).count(b"marker") == len(corpus) - 1  # the article with no spans has none
    other = ProjectFactory()
    services.create_annotation(
        project=other,
        article=corpus[0],
        label=label(other, Label.Kind.ACTOR),
        annotator=staff,
        start=0,
        end=3,
    )  # a span of a project the reviewer is not in: the stored spans (now dropped anyway) would show it
    assert stored(corpus[0]) == (None, None)
