"""Reports on a dialogue or a period: the figures (bot.reports.figures) and the periods they cover."""
