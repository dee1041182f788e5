"""The network's library: top tips, the five principles, resources, lessons learned
and case studies, read from the content pack."""
