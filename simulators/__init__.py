"""Stand-ins for the eight national systems, per ../shared/sources. Imports nothing of ours."""
