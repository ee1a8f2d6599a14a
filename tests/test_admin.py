"""The admin serves every model to staff, keeps anonymous visitors out, and merges duplicate actors safely."""

import pytest
from django.contrib import admin
from django.urls import reverse

from annotations import services
from annotations.demo import load_demo
from annotations.models import Actor, ActorLink, Annotation, Claim, ClaimAbout, Label
from articles.models import ImportBatch


@pytest.fixture
def demo(db):
    return load_demo()


def test_every_changelist_and_change_page_answers_staff_and_redirects_anonymous(client, staff, demo):
    ImportBatch.objects.create(source="pages/", items=[{"item": "a.html", "outcome": "failed", "message": "empty"}])
    checked = 0
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        obj = model.objects.order_by("pk").first()
        change = reverse("admin:{}_{}_change".format(*info), args=[obj.pk]) if obj is not None else None
        client.logout()
        assert client.get(changelist).status_code == 302, changelist
        if change:
            assert client.get(change).status_code == 302, change
        client.force_login(staff)
        assert client.get(changelist).status_code == 200, changelist
        assert client.get(changelist, {"q": "Haftar"}).status_code == 200, changelist
        if change:
            assert client.get(change).status_code == 200, change
            checked += 1
    assert checked >= 14  # every model of ours has an object in the demo data


def test_article_page_links_to_its_annotations_instead_of_inlining_them(client, staff, demo):
    client.force_login(staff)
    response = client.get(reverse("admin:articles_article_change", args=[demo.article.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="field-quote"' not in body and 'name="annotations-0-start"' not in body
    link = reverse("admin:annotations_annotation_changelist") + f"?article__id__exact={demo.article.pk}"
    spans = demo.article.annotations.count()  # the demo coder's 88 and the demo's gold copy of them
    assert spans == 176
    assert f'<a href="{link}">{spans} annotations</a>' in body.replace("&amp;", "&")
    listed = client.get(link)
    assert listed.status_code == 200
    assert f"{spans} annotations" in listed.content.decode()


def test_snapshot_downloads_exact_bytes_and_cannot_be_edited(client, staff, demo):
    client.force_login(staff)
    snapshot = demo.article.snapshot
    response = client.get(reverse("admin:articles_snapshot_download", args=[snapshot.pk]))
    assert response.status_code == 200
    assert response.content == bytes(snapshot.raw)
    assert response["Content-Disposition"].startswith("attachment")
    change = client.post(reverse("admin:articles_snapshot_change", args=[snapshot.pk]), {"source_url": "x"})
    assert change.status_code == 403


def test_actor_autocomplete_finds_aliases(client, staff, demo):
    client.force_login(staff)
    response = client.get(
        reverse("admin:autocomplete"),
        {"term": "Hifter", "app_label": "annotations", "model_name": "claim", "field_name": "claimant"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Khalifa Haftar"]


def test_merge_action_asks_which_actor_to_keep(client, staff, demo):
    client.force_login(staff)
    ids = list(Actor.objects.filter(name__in=["Turkey", "Egypt"]).values_list("pk", flat=True))
    response = client.post(
        reverse("admin:annotations_actor_changelist"), {"action": "merge_selected", "_selected_action": ids}
    )
    assert response.status_code == 200
    assert "Keep which actor?" in response.content.decode()
    assert Actor.objects.filter(pk__in=ids).count() == 2


def test_merge_action_keeps_every_mention(client, staff, demo):
    client.force_login(staff)
    haftar = Actor.objects.get(name="Khalifa Haftar")
    duplicate = services.create_actor(name="Khalifa Belqasim Haftar", kind="person", aliases=["Field Marshal"])
    span = Annotation.objects.filter(actor_links__actor=haftar).first()
    ActorLink.objects.create(
        annotation=Annotation.objects.get(attributes__ref="M03", annotator__username="demo-annotator"), actor=duplicate
    )
    ActorLink.objects.create(annotation=span, actor=duplicate)  # a span linked to both
    claim = Claim.objects.get(annotation__attributes__ref="C01", annotation__annotator__username="demo-annotator")
    ClaimAbout.objects.create(claim=claim, actor=duplicate)
    mentions_before = set(ActorLink.objects.filter(actor__in=[haftar, duplicate]).values_list("annotation", flat=True))

    response = client.post(
        reverse("admin:annotations_actor_changelist"),
        {
            "action": "merge_selected",
            "_selected_action": [haftar.pk, duplicate.pk],
            "keep": haftar.pk,
            "confirm": "yes",
        },
    )
    assert response.status_code == 302
    assert not Actor.objects.filter(pk=duplicate.pk).exists()
    mentions_after = set(ActorLink.objects.filter(actor=haftar).values_list("annotation", flat=True))
    assert mentions_after == mentions_before
    aliases = set(haftar.aliases.values_list("name", flat=True))
    assert {"Khalifa Belqasim Haftar", "Field Marshal", "Haftar"} <= aliases
    assert list(claim.about.filter(pk=haftar.pk)) == [haftar]


def test_old_project_admin_links_lead_to_the_pages_that_moved_to_projects(client, staff, demo):
    client.force_login(staff)
    response = client.get(f"/admin/annotations/project/{demo.project.pk}/change/", {"_changelist_filters": "q=x"})
    assert response.status_code == 301
    assert response["Location"] == f"/admin/projects/project/{demo.project.pk}/change/?_changelist_filters=q%3Dx"
    assert client.get(response["Location"]).status_code == 200
    assert client.get("/admin/annotations/membership/")["Location"] == "/admin/projects/membership/"
    assert client.get("/admin/annotations/actor/").status_code == 200  # the coding's own pages stay where they are


def test_project_list_without_projects_links_to_the_project_admin(client, staff):
    client.force_login(staff)
    assert 'href="/admin/projects/project/add/"' in client.get("/").content.decode()


# --- project roles --------------------------------------------------------------------------------------------


@pytest.fixture
def two_projects(db):
    from django.contrib.auth.models import Permission

    from projects.models import Membership
    from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory, UserFactory, label

    a, b = ProjectFactory(slug="project-a"), ProjectFactory(slug="project-b")
    spans = {}
    for project in (a, b):
        article = ArticleFactory(title=f"Article of {project.slug}")
        project.articles.add(article)
        coder = MembershipFactory(project=project, role=Membership.Role.ANNOTATOR).user
        spans[project.slug] = services.create_annotation(
            project=project, article=article, label=label(project, Label.Kind.ACTOR), annotator=coder, start=0, end=4
        )
    reviewer = UserFactory(username="staff-reviewer", is_staff=True)
    MembershipFactory(project=a, user=reviewer, role=Membership.Role.REVIEWER)
    MembershipFactory(project=b, user=reviewer, role=Membership.Role.ANNOTATOR)  # coding in B is not reviewing it
    names = ["view_annotation", "change_annotation", "view_article", "change_article", "view_importbatch"]
    reviewer.user_permissions.set(Permission.objects.filter(codename__in=names))
    ImportBatch.objects.create(source="a/", project=a)
    ImportBatch.objects.create(source="b/", project=b)
    return a, b, spans, reviewer


def test_a_staff_reviewer_of_one_project_sees_and_changes_only_its_spans_articles_and_imports(client, two_projects):
    a, b, spans, reviewer = two_projects
    client.force_login(reviewer)

    listed = client.get(reverse("admin:annotations_annotation_changelist")).content.decode()
    assert f"/annotations/annotation/{spans['project-a'].pk}/change/" in listed
    assert f"/annotations/annotation/{spans['project-b'].pk}/change/" not in listed
    b_span = reverse("admin:annotations_annotation_change", args=[spans["project-b"].pk])
    assert client.get(b_span).status_code in (302, 403, 404)
    assert client.post(b_span, {"status": "rejected"}).status_code in (302, 403, 404)
    assert client.get(reverse("admin:annotations_annotation_change", args=[spans["project-a"].pk])).status_code == 200

    # A bulk action with another project's span slipped in changes only what the reviewer oversees.
    response = client.post(
        reverse("admin:annotations_annotation_changelist"),
        {"action": "mark_rejected", "_selected_action": [spans["project-a"].pk, spans["project-b"].pk]},
    )
    assert response.status_code == 302
    spans["project-a"].refresh_from_db()
    spans["project-b"].refresh_from_db()
    assert spans["project-a"].status == "rejected"
    assert spans["project-b"].status != "rejected"

    articles = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Article of project-a" in articles and "Article of project-b" not in articles
    b_article = spans["project-b"].article
    assert client.get(reverse("admin:articles_article_change", args=[b_article.pk])).status_code in (302, 403, 404)

    imports = client.get(reverse("admin:articles_importbatch_changelist")).content.decode()
    batch_b = ImportBatch.objects.get(project=b)
    assert f"/articles/importbatch/{ImportBatch.objects.get(project=a).pk}/change/" in imports
    assert f"/articles/importbatch/{batch_b.pk}/change/" not in imports
    assert client.get(reverse("admin:articles_importbatch_change", args=[batch_b.pk])).status_code in (302, 403, 404)


def test_a_staff_reviewers_project_choices_are_limited_to_their_projects(client, two_projects):
    _a, _b, spans, reviewer = two_projects
    client.force_login(reviewer)

    page = client.get(reverse("admin:annotations_annotation_change", args=[spans["project-a"].pk])).content.decode()

    assert f'<option value="{spans["project-a"].label_id}"' in page
    assert f'<option value="{spans["project-b"].label_id}"' not in page


def test_a_superuser_sees_every_projects_spans(client, staff, two_projects):
    _a, _b, spans, _reviewer = two_projects
    client.force_login(staff)

    listed = client.get(reverse("admin:annotations_annotation_changelist")).content.decode()

    assert all(f"/annotations/annotation/{span.pk}/change/" in listed for span in spans.values())
