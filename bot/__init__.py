"""A GitHub bot that fixes paper assignments on ACL Anthology author pages.

Data flows one way: webhook -> job -> parse -> plan -> apply -> git -> GitHub.
The domain logic (``bot.anthology``, ``bot.engine.planner``, ``bot.forms``) is pure and
knows nothing of Flask or GitHub.
"""
