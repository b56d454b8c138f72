# A 2.0 pre-release: it sorts after Pympler 1.1, so that a requirement such as
# "pympler>=1.0" is met by this package; pre-release while modules are missing
# (README.md lists them).
__version__ = "2.0.0a1"
