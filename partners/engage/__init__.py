"""Engage: announcements and newsletters with audiences and read receipts; satisfaction surveys (NPS)."""
