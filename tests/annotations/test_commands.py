"""Smoke tests of the lead's commands: the admin account and the demo."""

from io import StringIO

from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from projects.models import Membership


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_ensure_admin_creates_a_random_password_once_and_keeps_it(db, settings, tmp_path):
    settings.NEWSARCHIVE_ADMIN_CREDENTIALS_FILE = tmp_path / ".admin-credentials"
    call_command("load_demo", stdout=StringIO())
    first = run("ensure_admin", "--url", "http://127.0.0.1:8123/")
    username, password = settings.NEWSARCHIVE_ADMIN_CREDENTIALS_FILE.read_text().split()
    assert username == "admin" and len(password) >= 12
    assert f"Log in at http://127.0.0.1:8123/ as 'admin' with password {password!r}" in first
    assert authenticate(username="admin", password=password).is_superuser
    assert Membership.objects.get(user__username="admin").role == "admin"
    assert password in run("ensure_admin")
    assert get_user_model().objects.filter(username="admin").count() == 1


def test_ensure_admin_sets_a_new_password_when_the_file_is_gone(db, settings, tmp_path):
    settings.NEWSARCHIVE_ADMIN_CREDENTIALS_FILE = tmp_path / ".admin-credentials"
    run("ensure_admin")
    old = settings.NEWSARCHIVE_ADMIN_CREDENTIALS_FILE.read_text().split()[1]
    settings.NEWSARCHIVE_ADMIN_CREDENTIALS_FILE.unlink()
    run("ensure_admin")
    new = settings.NEWSARCHIVE_ADMIN_CREDENTIALS_FILE.read_text().split()[1]
    assert new != old
    assert authenticate(username="admin", password=new) is not None
