"""Crawls that run by themselves: the schedule, its runs, their locks and what they report."""
