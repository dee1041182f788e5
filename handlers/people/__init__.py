"""A member's own controls: pauses and quiet hours, privacy switches, data rights
(my-data, forget-me, export), facilitator grants and the audit log."""
