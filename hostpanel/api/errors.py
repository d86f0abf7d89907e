"""One error shape for every client mistake.

400: ``{"errors": {"field": ["message", ...]}}`` whatever found the mistake
(pydantic while reading the request, or the services' rules); problems with
the request as a whole go under ``"__all__"``. Other errors: ``{"detail": "..."}``.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from hostpanel.api.auth import REALM, TooManyFailures

_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "payload", "filters"}


def _friendly(error: dict) -> str:
    messages = {
        "missing": _("This field is required."),
        "extra_forbidden": _("Unknown field."),
        "int_type": _("Enter a whole number."),
        "int_parsing": _("Enter a whole number."),
        "bool_type": _("Enter true or false."),
        "float_type": _("Enter a number."),
        "float_parsing": _("Enter a number."),
        "string_type": _("Enter a text."),
        "greater_than_equal": _("Enter a number of at least %(min)s.")
        % {"min": error.get("ctx", {}).get("ge")},
        "list_type": _("Enter a list."),
        "dict_type": _("Send a JSON object."),
        "model_type": _("Send a JSON object."),
        "model_attributes_type": _("Send a JSON object."),
        "date_type": _("Enter a date as YYYY-MM-DD."),
        "date_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_from_datetime_inexact": _("Enter a date as YYYY-MM-DD."),
        "literal_error": _("Choose one of: %(choices)s.")
        % {"choices": error.get("ctx", {}).get("expected", "")},
    }
    return messages.get(error.get("type"), error.get("msg", _("Invalid value.")))


def _field(loc) -> str:
    """``name``, or ``routing.vacation.start`` inside an object; list positions left out."""
    names = [part for part in loc if isinstance(part, str) and part not in _LOCATIONS]
    return ".".join(names) if names else NON_FIELD_ERRORS


def errors_from_pydantic(errors: list[dict]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for error in errors:
        field = _field(error.get("loc", ()))
        if field == NON_FIELD_ERRORS and error.get("type") in {"missing", "model_attributes_type",
                                                               "dict_type", "model_type"}:
            message = _("Send a JSON object.")
        else:
            message = _friendly(error)
        result.setdefault(field, []).append(message)
    return result


def errors_from_django(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: list(messages) for field, messages in error.message_dict.items()}
    return {NON_FIELD_ERRORS: list(error.messages)}


def install(api) -> None:
    def bad_input(request, exc):
        return api.create_response(request, {"errors": errors_from_pydantic(exc.errors)},
                                   status=400)

    def refused(request, exc):
        return api.create_response(request, {"errors": errors_from_django(exc)}, status=400)

    def unauthenticated(request, exc):
        response = api.create_response(
            request, {"detail": _("Authentication required.")}, status=401
        )
        response["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
        return response

    def too_many(request, exc):
        response = api.create_response(request, {"detail": _("Too many failed logins; "
                                                             "try again later.")}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response

    def http_error(request, exc):
        if exc.status_code == 400:
            message = str(exc)
            if message.startswith("Cannot parse request body"):
                message = _("The request body is not valid JSON.")
            return api.create_response(request, {"errors": {NON_FIELD_ERRORS: [message]}},
                                       status=400)
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

    def not_found(request, exc):
        return api.create_response(request, {"detail": _("Not found.")}, status=404)

    api.add_exception_handler(NinjaValidationError, bad_input)
    api.add_exception_handler(DjangoValidationError, refused)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(TooManyFailures, too_many)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)
