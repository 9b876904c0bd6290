"""A local stand-in for GitHub: REST subset, git smart-HTTP, faults, webhooks.

No machine running the tests reaches github.com, so the bot's real GitHub
client (PyGithub) and real ``git`` talk to this server over real HTTP on
127.0.0.1. See :class:`GitHubStandIn`.
"""

from tests.github_standin.githttp import commit_all, commit_to_branch, make_bare_repo
from tests.github_standin.server import GitHubStandIn, generate_app_key
from tests.github_standin.state import Comment, Fault, Issue, LoggedRequest, PullInfo, Reaction
from tests.github_standin.webhooks import build_delivery, deliver, sign

__all__ = [
    "Comment",
    "Fault",
    "GitHubStandIn",
    "Issue",
    "LoggedRequest",
    "PullInfo",
    "Reaction",
    "build_delivery",
    "commit_all",
    "commit_to_branch",
    "deliver",
    "generate_app_key",
    "make_bare_repo",
    "sign",
]
