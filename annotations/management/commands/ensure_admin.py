import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from annotations.demo import PROJECT_SLUG
from projects.models import Membership, Project


def credentials_file() -> Path:
    """Where the local admin's generated password is kept (git-ignored)."""
    return Path(getattr(settings, "NEWSARCHIVE_ADMIN_CREDENTIALS_FILE", Path(settings.BASE_DIR) / ".admin-credentials"))


class Command(BaseCommand):
    help = (
        "Create the local admin account on first run with a random password (kept in the git-ignored "
        ".admin-credentials) and print how to log in."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="Where the site is served")

    def handle(self, *args, username, url, **options):
        credentials = credentials_file()
        users = get_user_model()
        user = users.objects.filter(username=username).first()
        kept = credentials.read_text().split() if credentials.exists() else []
        if user is None or kept[:1] != [username]:
            password = secrets.token_urlsafe(12)
            if user is None:
                user = users.objects.create_superuser(username=username, email="", password=password)
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            credentials.write_text(f"{username}\n{password}\n")
            credentials.chmod(0o600)
        else:
            password = kept[1]
        demo = Project.objects.filter(slug=PROJECT_SLUG).first()
        if demo is not None:
            # The newcomer came to see the demo coding: admin reviews it, whatever role it had before.
            Membership.objects.update_or_create(project=demo, user=user, defaults={"role": Membership.Role.ADMIN})
        self.stdout.write(
            f"Log in at {url} as {username!r} with password {password!r} "
            f"(kept in {credentials.name}; delete that file to set a new one)."
        )
