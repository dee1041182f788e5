"""What facilitators see and do: participation counts, the quiet report,
one-to-one check-ins, professions and who is in the room, the monthly digest."""
