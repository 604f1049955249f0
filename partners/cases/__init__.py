"""Dispute cases: a partner or a manager opens one on a deal conflict, a commission or an MDF decision."""
