"""What a service refuses, with the message each channel shows (translated where it is shown)."""

from __future__ import annotations

from bot.i18n import N_, N_plural


class DomainError(Exception):
    """A refusal that changes nothing. `message` is a gettext msgid with named placeholders, or a
    (singular, plural) pair from N_plural whose form follows the parameter named by `count`."""

    message: str | tuple[str, str] = N_("Sorry, that cannot be done.")
    count = "count"

    def __init__(self, **params: object) -> None:
        text = self.message[1] if isinstance(self.message, tuple) else self.message
        super().__init__(text % params if params else text)
        self.params = params


class NotRegistered(DomainError):
    message = N_("Please register first: send /start and choose your hamlet.")


class TextTooLong(DomainError):
    message = N_("That text is too long (%(length)d characters). Please keep it under %(limit)d characters.")


class TextEmpty(DomainError):
    message = N_("Please write a few words describing it.")


class NotOwnContact(DomainError):
    message = N_("That is someone else's contact. Only your own phone number can be given: send your own, or skip this step.")


class PhoneInvalid(DomainError):
    message = N_("That does not look like a phone number. Please type it with its digits only (for example 0912345678), or skip this step.")


class NameInvalid(DomainError):
    message = N_("Please send a name of 2 to %(limit)d characters.")


class UnknownChoice(DomainError):
    message = N_("That choice is not available any more. Please choose again from the options.")


class PetitionNotInDialogue(DomainError):
    message = N_(
        "A complaint or denunciation that needs a petition is not handled in the dialogue. "
        "Please bring your petition to: %(reception)s. They will receive it and answer you by law."
    )


class PetitionForResident(DomainError):
    """The same refusal, said to the official entering a concern on a resident's behalf."""

    message = N_(
        "A complaint or denunciation that needs a petition is not handled in the dialogue, so nothing was recorded. "
        "Please guide the resident to bring their petition to: %(reception)s. They will receive it and answer by law."
    )


class ConcernNotFound(DomainError):
    message = N_("I cannot find a concern with the code %(code)s among yours. Please check the code in “My concerns”.")


class AlreadyRegisteredToSpeak(DomainError):
    message = N_("You are already registered to speak about concern %(code)s.")


class NotOpenForSpeaking(DomainError):
    message = N_("Concern %(code)s is no longer on the way to the dialogue, so you cannot register to speak about it.")


class RegistrationNotFound(DomainError):
    message = N_("That registration is no longer active.")


class NotAllowed(DomainError):
    message = N_("Sorry, this is only for %(roles)s. Nothing was changed.")


class InvitationInvalid(DomainError):
    message = N_("This invitation link is not valid any more (used, revoked or expired). Please ask the administrator for a new one.")


class DateInPast(DomainError):
    message = N_("That date is in the past. Please give a date from today on.")


class DateUnreadable(DomainError):
    message = N_("Please write the date as day/month/year, for example 04/05/2026.")


class TooLate(DomainError):
    message = N_plural("Too close: invitations need %(days)d working day. The earliest possible date is %(earliest)s.",
                       "Too close: invitations need %(days)d working days. The earliest possible date is %(earliest)s.")
    count = "days"


class StaleAction(DomainError):
    message = N_("This was already done or is no longer possible: concern %(code)s is now “%(status)s”. Nothing was changed.")


def describe(error: DomainError, t) -> str:
    """The refusal in the reader's language: role keys read as a list of role names, a status
    key as its label, a date in the reader's words."""
    from datetime import date

    from babel.lists import format_list

    from bot.domain import STATUS_LABELS
    from bot.roles import ROLE_LABELS

    params = dict(error.params)
    if isinstance(params.get("roles"), tuple):
        params["roles"] = format_list([t(ROLE_LABELS[r]) for r in params["roles"]], style="or", locale=t.locale)
    status = params.get("status")
    if isinstance(status, str) and status in STATUS_LABELS:
        params["status"] = t(STATUS_LABELS[status])
    for name, value in params.items():
        if isinstance(value, date):
            params[name] = t.date(value)
    if isinstance(error.message, tuple):
        return t.n(*error.message, int(error.params[error.count]), **params)
    return t(error.message, **params)
