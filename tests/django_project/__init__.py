"""A small Django project for tests/test_panels.py: one app with a model, a
view that keeps some instances alive, the debug toolbar with pympler's
MemoryPanel."""
