"""`manage.py api_token USERNAME [--revoke]`: create (or replace) or revoke a user's API token."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Create a personal API token for a user (replacing any earlier one), or revoke it with --revoke."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="Delete the user's token")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        deleted, _ = Token.objects.filter(user=user).delete()
        if options["revoke"]:
            self.stdout.write("Token revoked." if deleted else "The user had no token.")
            return
        token = Token.objects.create(user=user)
        if deleted:
            # Said on stderr, so that scripts reading the key from stdout get only the key.
            self.stderr.write(f"The earlier token of {user.get_username()} was replaced: scripts using it must change.")
        self.stdout.write(token.key)
