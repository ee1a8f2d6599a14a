"""Shared fixtures: real PostgreSQL through pytest-django, users in their project roles, a small article.

Also the guard against server tracebacks (tests/tracebacks.py): a test during which a server logged one fails,
and so does the session when one is logged between tests (a live server finishing a request late).
"""

import pytest
from django.core.management import call_command
from django.test import override_settings

from projects.models import Membership
from tests import tracebacks
from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory, UserFactory


@pytest.fixture(autouse=True)
def no_server_traceback(request):
    """Fail the test if a server logged a traceback while it ran (a 500, or a database refusal turned into a 400)."""
    collector = tracebacks.install()
    collector.stray.extend(collector.take())  # logged between tests: reported when the session ends
    collector.current_test = request.node.nodeid
    yield
    found = collector.take()
    collector.current_test = "(between tests)"
    if found:
        pytest.fail(tracebacks.report(found), pytrace=False)


def pytest_sessionfinish(session, exitstatus):
    found = tracebacks.COLLECTOR.stray + tracebacks.COLLECTOR.take()
    if found:
        session.config.get_terminal_writer().line(tracebacks.report(found), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """PBKDF2 costs ~0.4 s per user here; tests do not need a slow hash."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def collected_static_files(tmp_path_factory):
    """The real static storage (hashed names, whitenoise): collectstatic once per session into a temporary folder."""
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


@pytest.fixture(autouse=True, scope="session")
def no_api_throttles():
    """API throttles are off in tests (their cache queries would blur query counts); tests/test_throttling.py
    turns them on. NEWSARCHIVE_API_THROTTLE_RATES is read per request, so this reaches live servers too."""
    with override_settings(NEWSARCHIVE_API_THROTTLE_RATES={"anon": None, "user": None, "token_failures": None}):
        yield


@pytest.fixture
def project(db):
    return ProjectFactory()


@pytest.fixture
def article(project):
    article = ArticleFactory()
    project.articles.add(article)
    return article


@pytest.fixture
def annotator(project):
    return MembershipFactory(
        project=project, user=UserFactory(username="annotator"), role=Membership.Role.ANNOTATOR
    ).user


@pytest.fixture
def reviewer(project):
    return MembershipFactory(project=project, user=UserFactory(username="reviewer"), role=Membership.Role.REVIEWER).user


@pytest.fixture
def project_admin(project):
    return MembershipFactory(
        project=project, user=UserFactory(username="projectadmin"), role=Membership.Role.ADMIN
    ).user


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", is_staff=True, is_superuser=True)
