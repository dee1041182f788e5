"""Private CPD reflections: the templates, the form, quick notes, listing and
editing, and the PDF/CSV export for revalidation."""
