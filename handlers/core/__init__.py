"""The small shared core every feature builds on: the neutral message model, errors,
the context handed in from outside, parsing, the registry, payload codecs, roles and
the patient-data guard. Nothing in core imports a feature package."""
