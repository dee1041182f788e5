"""The edge of ccpl-bot: Slack, console, CLI, HTTP server and settings.

Only this package touches a platform SDK; it translates to and from the
neutral model in `handlers`.
"""
