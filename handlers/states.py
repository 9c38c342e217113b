"""States of the one conversation a user can be in (one at a time: starting a flow leaves the other)."""

from telegram.ext import ConversationHandler

END = ConversationHandler.END

(
    ONBOARD_LANGUAGE,
    ONBOARD_COMMUNE,
    ONBOARD_HAMLET,
    ONBOARD_NAME,
    CONCERN_TOPIC,  # retired with the two below: /new is a bot/dialogs flow; handlers/resident.py carries over
    CONCERN_TEXT,   # the drafts of those left in them at the deploy
    CONCERN_CONFIRM,
    SPEAK_PICK,  # retired: /speak is a bot/dialogs flow now; kept so the numbers after it stay put
    SPEAK_POINT,
    SPEAK_CONFIRM,
) = range(10)

# Added later: numbered after the others, so positions persisted before stay meaningful.
(
    ONBOARD_CONSENT,
    ONBOARD_NAME_CHECK,
    ONBOARD_PHONE,
    PROFILE_NAME,
    PROFILE_PHONE,
) = range(10, 15)
# Retired: first contact and /profile are bot/dialogs flows now; a position persisted at ONBOARD_* or
# PROFILE_* is taken to the same shared step by handlers/onboarding.py (RETIRED_STATES).
