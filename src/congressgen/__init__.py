"""congressgen: a static site generator for Chinese government work reports."""

__version__ = "0.1.0"
