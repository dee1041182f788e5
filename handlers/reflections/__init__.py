"""Private CPD reflections: the templates, the form, quick notes, listing and
editing, each regulator's targets and dates, a member's CPD settings, and the
PDF/CSV export in their regulator's shape."""
