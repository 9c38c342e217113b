"""How concerns read in a chat: moved to bot/presenters.py, which both channels' dialogs use."""

from bot.presenters import *  # noqa: F401,F403
from bot.presenters import ATTACHMENTS_DATA  # noqa: F401
