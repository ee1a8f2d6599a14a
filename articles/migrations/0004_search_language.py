"""Each article indexed with its language's text search configuration (articles.search): title and text once, no
lead, plus a marker lexeme naming the configuration; a language index for the list filter."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

import articles.search


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_importbatch_project_in_projects"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="article", name="article_search_gin"),
        # A generated column's expression cannot be altered: drop it and add it again.
        migrations.RemoveField(model_name="article", name="search"),
        migrations.AddField(
            model_name="article",
            name="search_config",
            field=models.GeneratedField(
                db_persist=True,
                expression=articles.search.article_config(),
                output_field=articles.search.RegConfigField(),
            ),
        ),
        migrations.AddField(
            model_name="article",
            name="search",
            field=models.GeneratedField(
                db_persist=True,
                expression=articles.search.article_vector(),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search"], name="article_search_gin"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["language"], name="article_language_idx"),
        ),
    ]
