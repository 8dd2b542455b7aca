"""Hifazat: joint security coordination for protected persons and strategic project sites."""

__version__ = "0.1.0"
