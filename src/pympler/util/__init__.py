"""Small helpers shared by pympler's modules (string formatting, compatibility)."""
