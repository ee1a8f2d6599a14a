"""The data-protecting invariants, enforced by PostgreSQL itself so that raw SQL cannot break them either.

Every refusal is raised with SQLSTATE 23514 (check_violation), which Django reports as IntegrityError.
"""

from django.db import migrations

INVARIANTS = r"""
-- Archived bytes: the hash and size must describe the bytes, and none of the three ever changes.
ALTER TABLE articles_snapshot
    ADD CONSTRAINT snapshot_sha256_matches_raw CHECK (sha256 = encode(sha256(raw), 'hex')),
    ADD CONSTRAINT snapshot_size_matches_raw CHECK (size = octet_length(raw));

CREATE FUNCTION newsarchive_snapshot_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.raw IS DISTINCT FROM OLD.raw OR NEW.sha256 IS DISTINCT FROM OLD.sha256
       OR NEW.size IS DISTINCT FROM OLD.size THEN
        RAISE EXCEPTION 'snapshot % is archived: its bytes cannot be changed', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER snapshot_immutable BEFORE UPDATE ON articles_snapshot
    FOR EACH ROW EXECUTE FUNCTION newsarchive_snapshot_immutable();

-- An article's text never changes once an annotation points into it.
CREATE FUNCTION newsarchive_article_text_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.text IS DISTINCT FROM OLD.text
       AND EXISTS (SELECT 1 FROM annotations_annotation WHERE article_id = OLD.id) THEN
        RAISE EXCEPTION 'article % has annotations: its text cannot be changed', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER article_text_frozen BEFORE UPDATE ON articles_article
    FOR EACH ROW EXECUTE FUNCTION newsarchive_article_text_frozen();

-- A span lies inside its article's text, its quote is the text at its offsets (code points),
-- and its label belongs to its project's codebook.
CREATE FUNCTION newsarchive_annotation_span() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    article_text text;
    label_project bigint;
BEGIN
    SELECT text INTO article_text FROM articles_article WHERE id = NEW.article_id;
    IF article_text IS NULL THEN
        RETURN NEW;  -- the foreign key reports the missing article
    END IF;
    IF NEW.start < 0 OR NEW.start >= NEW."end" OR NEW."end" > char_length(article_text) THEN
        RAISE EXCEPTION 'annotation offsets [%, %) are outside the article text of % characters',
            NEW.start, NEW."end", char_length(article_text) USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.quote IS DISTINCT FROM substr(article_text, NEW.start + 1, NEW."end" - NEW.start) THEN
        RAISE EXCEPTION 'annotation quote does not equal the article text at [%, %)', NEW.start, NEW."end"
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT project_id INTO label_project FROM annotations_label WHERE id = NEW.label_id;
    IF label_project IS DISTINCT FROM NEW.project_id THEN
        RAISE EXCEPTION 'label % does not belong to project %', NEW.label_id, NEW.project_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER annotation_span BEFORE INSERT OR UPDATE ON annotations_annotation
    FOR EACH ROW EXECUTE FUNCTION newsarchive_annotation_span();

-- A relation links two annotations of its own article.
CREATE FUNCTION newsarchive_relation_same_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM annotations_annotation
               WHERE id IN (NEW.source_id, NEW.target_id) AND article_id <> NEW.article_id) THEN
        RAISE EXCEPTION 'a relation must link two annotations of article %', NEW.article_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER relation_same_article BEFORE INSERT OR UPDATE ON annotations_relation
    FOR EACH ROW EXECUTE FUNCTION newsarchive_relation_same_article();

-- A claim's claimant mention and source span are spans of the claim's own article.
CREATE FUNCTION newsarchive_claim_same_article() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    claim_article bigint;
BEGIN
    SELECT article_id INTO claim_article FROM annotations_annotation WHERE id = NEW.annotation_id;
    IF EXISTS (SELECT 1 FROM annotations_annotation
               WHERE id IN (NEW.claimant_mention_id, NEW.source_annotation_id) AND article_id <> claim_article) THEN
        RAISE EXCEPTION 'a claim''s claimant mention and source must be spans of its own article'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER claim_same_article BEFORE INSERT OR UPDATE ON annotations_claim
    FOR EACH ROW EXECUTE FUNCTION newsarchive_claim_same_article();
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS claim_same_article ON annotations_claim;
DROP FUNCTION IF EXISTS newsarchive_claim_same_article();
DROP TRIGGER IF EXISTS relation_same_article ON annotations_relation;
DROP FUNCTION IF EXISTS newsarchive_relation_same_article();
DROP TRIGGER IF EXISTS annotation_span ON annotations_annotation;
DROP FUNCTION IF EXISTS newsarchive_annotation_span();
DROP TRIGGER IF EXISTS article_text_frozen ON articles_article;
DROP FUNCTION IF EXISTS newsarchive_article_text_frozen();
DROP TRIGGER IF EXISTS snapshot_immutable ON articles_snapshot;
DROP FUNCTION IF EXISTS newsarchive_snapshot_immutable();
ALTER TABLE articles_snapshot DROP CONSTRAINT IF EXISTS snapshot_sha256_matches_raw,
    DROP CONSTRAINT IF EXISTS snapshot_size_matches_raw;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0002_initial"),
        ("articles", "0001_initial"),
    ]

    operations = [migrations.RunSQL(INVARIANTS, REVERSE)]
