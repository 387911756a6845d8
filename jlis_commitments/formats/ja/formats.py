"""Japanese date formats: Django's, with a space between the date and the time (2026年12月3日 21:25)."""

DATETIME_FORMAT = "Y年n月j日 G:i"
SHORT_DATETIME_FORMAT = "Y/m/d G:i"
