"""The token bounds of article texts that agreement counts with (annotations.tokens), kept so that a text is
tokenised once rather than on every agreement request; the row goes with its article."""

import django.db.models.deletion
from django.db import migrations, models

TRIGGER = """
CREATE FUNCTION newsarchive_article_deleted_tokens() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM annotations_tokenindex WHERE article_id = OLD.id;
    RETURN NULL;
END $$;
CREATE TRIGGER article_deleted_tokens AFTER DELETE ON articles_article
    FOR EACH ROW EXECUTE FUNCTION newsarchive_article_deleted_tokens();
"""

REVERSE = """
DROP TRIGGER IF EXISTS article_deleted_tokens ON articles_article;
DROP FUNCTION IF EXISTS newsarchive_article_deleted_tokens();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0013_history_tracks_uuid_and_codebook_version"),
        ("articles", "0007_background_imports"),
    ]

    operations = [
        migrations.CreateModel(
            name="TokenIndex",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("text_md5", models.CharField(max_length=32)),
                ("bounds", models.BinaryField()),
            ],
        ),
        migrations.RunSQL(TRIGGER, REVERSE),
    ]
