"""The home tab: a dashboard over every feature (tip of the day, sessions, CPD,
pending check-ins, forum health), so it is the one package that reads the others."""
