"""Small helpers shared by pympler's modules (string formatting, compatibility).

Documentation: docs/usage.md in pympler's source repository.
"""
