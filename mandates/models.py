"""Mandates: time-bounded authority one party gives another. Built in its own capability."""
