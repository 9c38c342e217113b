"""Labels both channels show for the same choices (Telegram's menu buttons, Zalo's numbered options)."""

from bot.i18n import N_

MENU_NEW = N_("📝 Send a concern")
MENU_MINE = N_("📋 My concerns")
MENU_SPEAK = N_("🎤 Register to speak")
MENU_HELP = N_("❓ Help")
MENU_LANGUAGE = N_("🌐 Language")
MENU_CANCEL = N_("❌ Cancel")
PHONE_SHARE = N_("📱 Share my phone number")
PHONE_SKIP = N_("⏭ Skip, no phone number")

LANGUAGE_BUTTONS = (("vi", "🇻🇳 Tiếng Việt"), ("en", "🇬🇧 English"))
