"""Project-wide pages: the personal API token page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token


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
