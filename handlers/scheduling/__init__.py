"""Forums, journal clubs and meetings as data: recurrence phrases and RRULEs, the
set-up forms with a preview, and meeting agreements."""
