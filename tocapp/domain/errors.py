"""Errors raised by domain rules; the web layer turns them into clear messages."""


class DomainError(ValueError):
    """A rule of the method was broken; the message is written for the user."""


class SelfLoopError(DomainError):
    """An arrow may not start and end at the same step."""


class DuplicateLinkError(DomainError):
    """The same arrow already exists."""


class ForeignStepError(DomainError):
    """An arrow's ends must both belong to the flowchart version it is drawn in."""
