"""Password guessing: 10 failed logins for a username from one address lock that pair out, even with the right
password, on the site's login and the admin's, until the cool-off has passed."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff_user(db):
    user = UserFactory(username="editor", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def post_login(client, path, username, password, address="10.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_ten_failures_lock_the_username_out_even_with_the_right_password(client, staff_user, path):
    assert settings.AXES_FAILURE_LIMIT == 10
    for attempt in range(9):
        response = post_login(client, path, "editor", f"wrong-{attempt}")
        assert response.status_code == 200  # the form again, with its error
    post_login(client, path, "editor", "wrong-9")

    response = post_login(client, path, "editor", PASSWORD)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "After 10 failed logins for <strong>editor</strong>" in page
    assert "refused — even with the right password — for 30 minutes" in page
    assert "_auth_user_id" not in client.session  # not logged in


def test_the_right_password_works_before_the_limit(client, staff_user):
    for attempt in range(9):
        post_login(client, "/accounts/login/", "editor", f"wrong-{attempt}")
    response = post_login(client, "/accounts/login/", "editor", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_user.pk)


def test_lockout_is_per_address_and_ends_after_the_cool_off(client, staff_user):
    for attempt in range(10):
        post_login(client, "/accounts/login/", "editor", f"wrong-{attempt}")
    assert post_login(client, "/accounts/login/", "editor", PASSWORD).status_code == 429

    # Another address is not refused: one guesser does not lock a colleague out.
    assert post_login(client, "/accounts/login/", "editor", PASSWORD, address="10.0.0.2").status_code == 302
    client.logout()

    # Once the cool-off has passed, the right password works again from the first address.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=31))
    assert post_login(client, "/accounts/login/", "editor", PASSWORD).status_code == 302
