"""Labels, annotations and assignments point at projects.Project; Project and Membership leave this app's state.

State only: the tables and their foreign keys stay exactly as they are (see projects 0001).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0006_annotation_json_plpgsql"),
        ("articles", "0003_importbatch_project_in_projects"),
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="assignment",
                    name="project",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="assignments", to="projects.project"
                    ),
                ),
                migrations.AlterField(
                    model_name="label",
                    name="project",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="labels", to="projects.project"
                    ),
                ),
                migrations.AlterField(
                    model_name="annotation",
                    name="project",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="annotations", to="projects.project"
                    ),
                ),
                migrations.RemoveField(model_name="membership", name="project"),
                migrations.RemoveField(model_name="membership", name="user"),
                migrations.RemoveField(model_name="project", name="members"),
                migrations.RemoveField(model_name="project", name="articles"),
                migrations.DeleteModel(name="Membership"),
                migrations.DeleteModel(name="Project"),
            ],
        ),
    ]
