"""Project and Membership move from annotations/ to projects/ without touching the database.

The tables keep their names (annotations_project, annotations_membership, annotations_project_articles), so
this migration only tells Django's state that the models now live here; annotations 0007 and articles 0003
point their foreign keys at them and drop the old state. It runs after annotations 0006 because those
migrations created the tables (also on an empty database). The content types of both models are renamed
in place, so permissions, group rights and admin log entries that point at them keep pointing at them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED_MODELS = ("project", "membership")


def _move_content_types(apps, schema_editor, *, source: str, target: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    rows = content_type.objects.using(schema_editor.connection.alias)
    for model in MOVED_MODELS:
        # A row for the target exists only if something created it after this state change (e.g. a post_migrate
        # run in between); then the old row stays as it is rather than breaking the unique (app_label, model).
        if rows.filter(app_label=target, model=model).exists():
            continue
        rows.filter(app_label=source, model=model).update(app_label=target)


def content_types_to_projects(apps, schema_editor):
    _move_content_types(apps, schema_editor, source="annotations", target="projects")


def content_types_to_annotations(apps, schema_editor):
    _move_content_types(apps, schema_editor, source="projects", target="annotations")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("annotations", "0006_annotation_json_plpgsql"),
        ("articles", "0002_snapshot_lz4"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Membership",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "role",
                            models.CharField(
                                choices=[
                                    ("annotator", "Annotator"),
                                    ("reviewer", "Reviewer"),
                                    ("admin", "Project admin"),
                                ],
                                default="annotator",
                                max_length=10,
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="memberships",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "annotations_membership"},
                ),
                migrations.CreateModel(
                    name="Project",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200)),
                        ("slug", models.SlugField(max_length=100, unique=True)),
                        ("description", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "articles",
                            models.ManyToManyField(blank=True, related_name="projects", to="articles.article"),
                        ),
                        (
                            "members",
                            models.ManyToManyField(
                                related_name="projects", through="projects.Membership", to=settings.AUTH_USER_MODEL
                            ),
                        ),
                    ],
                    options={"db_table": "annotations_project", "ordering": ["name"]},
                ),
                migrations.AddField(
                    model_name="membership",
                    name="project",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="memberships", to="projects.project"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="membership",
                    constraint=models.UniqueConstraint(fields=("project", "user"), name="membership_unique"),
                ),
            ],
        ),
        migrations.RunPython(content_types_to_projects, content_types_to_annotations),
    ]
