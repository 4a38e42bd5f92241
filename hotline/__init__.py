"""hotline: telephony and ticketing core of a housekeeping-service network center."""

__version__ = "0.1.0"
