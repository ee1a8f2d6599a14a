"""One API exception handler: Django's ValidationError from services becomes HTTP 400 with field messages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import exceptions
from rest_framework.views import exception_handler


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, IntegrityError):
        # The database refused a write that Python-level validation let through (a constraint or trigger).
        message = str(exc).splitlines()[0] if str(exc) else "the database refused this change"
        exc = exceptions.ValidationError(detail={"non_field_errors": [message]})
    return exception_handler(exc, context)
