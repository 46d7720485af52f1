"""Errors raised by domain rules; the web layer turns them into clear messages."""


class DomainError(ValueError):
    """A rule of the method was broken; the message is written for the user."""


class SelfLoopError(DomainError):
    """An arrow may not start and end at the same step."""


class DuplicateLinkError(DomainError):
    """The same arrow already exists."""


class ForeignStepError(DomainError):
    """An arrow's ends must both belong to the flowchart version it is drawn in."""


STEP_NOT_SHOWN = "That step is not on the flowchart shown at this interview."


class NotShownError(DomainError):
    """A step or arrow named at a return interview is not on the chart it showed (undone in
    another tab, or a made-up id)."""
