"""Microsoft Teams: the Microsoft 365 Agents SDK adapter at /api/messages, proactive posts,
files by consent, and the app package."""
