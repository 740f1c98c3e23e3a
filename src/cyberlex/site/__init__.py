"""The site wing of cyberlex."""
