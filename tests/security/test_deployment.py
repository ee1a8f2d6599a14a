"""Deployment settings: DJANGO_HTTPS passes `check --deploy`, password reset only with mail, gunicorn processes."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.core import mail

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_DEBUG="false", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_check_deploy_passes_with_django_https():
    result = manage("check", "--deploy", "--fail-level", "WARNING", DJANGO_HTTPS="true")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_what_is_missing_without_django_https():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


def test_django_https_turns_on_redirect_hsts_secure_cookies_and_the_proxy_header():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)"
    )
    on = manage("shell", "-v", "0", "-c", code, DJANGO_HTTPS="true")
    assert on.stdout.split("\n")[0] == "True 31536000 True True True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    off = manage("shell", "-v", "0", "-c", code)
    assert off.stdout.split("\n")[0] == "False 0 False False False False None"


def test_password_reset_is_not_offered_without_mail(client, settings, db):
    settings.NEWSARCHIVE_PASSWORD_RESET = False
    assert "Forgot your password?" not in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/password_reset/").status_code == 404
    assert client.post("/accounts/password_reset/", {"email": "someone@example.org"}).status_code == 404
    assert mail.outbox == []


def test_password_reset_is_offered_and_mails_a_link_with_mail(client, settings, db):
    settings.NEWSARCHIVE_PASSWORD_RESET = True
    UserFactory(username="forgetful", email="forgetful@example.org")
    page = client.get("/accounts/login/").content.decode()
    assert '<a href="/accounts/password_reset/">Forgot your password?</a>' in page
    response = client.post("/accounts/password_reset/", {"email": "forgetful@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def test_mail_settings_come_from_the_environment():
    code = "from django.conf import settings as s; print(s.NEWSARCHIVE_PASSWORD_RESET, s.EMAIL_HOST, s.EMAIL_PORT)"
    assert manage("shell", "-v", "0", "-c", code).stdout.split("\n")[0] == "False  587"
    configured = manage("shell", "-v", "0", "-c", code, EMAIL_HOST="smtp.example.org", EMAIL_PORT="2525")
    assert configured.stdout.split("\n")[0] == "True smtp.example.org 2525"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_runs_gunicorn_with_the_asked_workers_and_stops_them_together():
    """What `make serve` runs (newsarchive.processes): N gunicorn workers answering and a job worker; SIGTERM stops
    all of them."""
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    process = subprocess.Popen(
        [sys.executable, "-m", "newsarchive.processes", "--bind", f"127.0.0.1:{port}", "--workers", "3"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/", timeout=5)
            except urllib.error.HTTPError as error:
                assert error.code == 401  # the API answering an anonymous client
                break
            except OSError:  # refused or timed out while the workers start
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.5)
        started = children(process.pid)
        assert len(started) == 2  # gunicorn's master and the job worker
        master = [pid for pid in started if len(children(pid)) == 3]
        assert len(master) == 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert children(master[0]) == []
        assert not any(alive(pid) for pid in started)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def alive(pid: int) -> bool:
    return subprocess.run(["ps", "-p", str(pid)], capture_output=True, check=False).returncode == 0


def children(pid: int) -> list[int]:
    result = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False)
    return [int(line) for line in result.stdout.split()]
