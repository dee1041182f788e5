"""Scheduled posts: planning due occurrences into outbox rows, and composing each
row's message at send time."""
