"""The Zalo channel: the Bot API client, polling and webhook, rendering of dialog replies, notices delivery."""
