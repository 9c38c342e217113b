"""Every flow's steps, registered with the runtime on import."""

from bot.dialogs import invitations, onboarding, profile, resident  # noqa: F401 - importing registers the steps
from bot.dialogs.runtime import Runtime  # noqa: F401
