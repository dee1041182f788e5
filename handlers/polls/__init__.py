"""Polls in a channel: quoted question and options, one changeable ballot per
person, live counts, close, results and CSV export."""
