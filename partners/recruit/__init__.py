"""Recruit: public partner applications, screening against ideal-partner criteria, approval."""
