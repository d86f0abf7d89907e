"""Reporting every invalid field at once: the services' validation helper."""

from django.core.exceptions import ValidationError


def collect(errors: dict, check, *args, **kwargs):
    """Run one check; gather its field errors in ``errors`` so all are reported at once.

    Returns what the check returned, or None when it raised ``ValidationError``
    (whose messages, keyed by field, are appended to ``errors``).
    """
    try:
        return check(*args, **kwargs)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
        else:
            errors.setdefault("__all__", []).extend(error.messages)
        return None


def add_error(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)
