"""Project-wide pages: the personal API token page, login, password reset (only with mail), the API docs."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.authtoken.models import Token


class LoginView(auth_views.LoginView):
    """Django's login, offering "Forgot your password?" only when mail is configured."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "password_reset_enabled": settings.NEWSARCHIVE_PASSWORD_RESET}


def login_locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer once a username and address are locked out: a clear page, status 429."""
    from axes.helpers import get_client_username, get_cool_off

    cool_off = get_cool_off(request)
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "username": get_client_username(request, credentials) or "",
        "cooloff_minutes": max(1, round(cool_off.total_seconds() / 60)) if cool_off else None,
        "password_reset_enabled": settings.NEWSARCHIVE_PASSWORD_RESET,
    }
    return render(request, "registration/locked_out.html", context, status=429)


def mail_required(view):
    """Password reset pages exist only when EMAIL_HOST is set: without mail the reset link could never arrive."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.NEWSARCHIVE_PASSWORD_RESET:
            raise Http404("Password reset needs mail, and no mail server is configured.")
        return view(request, *args, **kwargs)

    return wrapper


class SwaggerUIView(SpectacularSwaggerSplitView):
    """Swagger UI from our static files; its init script is a second same-origin request (CSP: no inline script)."""

    template_name = "api/swagger_ui.html"


class RedocView(SpectacularRedocView):
    """Redoc from our static files, without the web fonts drf-spectacular's template loads from another origin."""

    template_name = "api/redoc.html"

    # Redoc's styled-components add empty <style> elements and fill them through the CSSOM, plus one fixed
    # <style>: those two hashes, on this page only; its search index runs in a worker it makes from a blob.
    # Scripts stay 'self'.
    STYLE_HASHES = (
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty string
        "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
    )

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response._csp_update = {"style-src": list(self.STYLE_HASHES), "worker-src": ["blob:"]}
        return response


@login_required
@require_http_methods(["GET", "POST"])
def api_token_page(request: HttpRequest) -> HttpResponse:
    """Show whether the user has an API token; create, regenerate or revoke it."""
    token = Token.objects.filter(user=request.user).first()
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("create", "regenerate"):
            Token.objects.filter(user=request.user).delete()
            token = Token.objects.create(user=request.user)
            new_key = token.key
        elif action == "revoke":
            Token.objects.filter(user=request.user).delete()
            messages.success(request, "Your API token was revoked: scripts using it are refused from now on.")
            return redirect("api-token")
    return render(request, "account/token.html", {"token": token, "new_key": new_key})
