"""One renderer per platform for the neutral Reply."""
