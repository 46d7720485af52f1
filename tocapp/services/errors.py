"""Errors services raise; the web layer maps them to HTTP statuses."""

from tocapp.domain.errors import DomainError


class NotFoundError(LookupError):
    """No such object, or the user is not a member of its study (so we do not reveal it exists)."""


class ForbiddenError(PermissionError):
    """A member whose role does not allow this action."""


class StaleEditError(RuntimeError):
    """The object changed since the user opened it; their text is kept for them to merge."""


class FieldError(DomainError):
    """A refused value and the field it belongs to, so a form can say why beside that field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
