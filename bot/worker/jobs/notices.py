"""Writing to GitHub exactly once: notices and retiring the bot's pull requests.

A job may run twice for the same state (a redelivery, a worker that died
after posting), so everything it *adds* must be recognisable:

* a **notice** is a short new comment (a merge, a closed pull request, a reply
  to a command) that starts with a hidden key, ``<!-- anthology-bot:notice:<key> -->``;
  it is posted only if the bot has no comment with that key on the issue yet, and
  a retry after a lost answer looks for it again before posting;
* **retiring** a pull request (closing it in favour of a batch, after
  ``/cancel``, as a duplicate) posts its notice, closes it, and deletes its
  branch unless someone else has pushed commits to it: the bot never deletes
  people's work.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from bot.io.github import CommentInfo, GitHubRepo, PullInfo
from bot.io.workspace import Workspace
from bot.worker.faults import fault_point
from bot.workflow.markers import NOTICE_PREFIX, find_marked, notice_marker

log = logging.getLogger(__name__)


def has_notice(comments: Sequence[CommentInfo], key: str, bot_login: str) -> bool:
    """Whether the bot already posted the notice ``key`` among ``comments``."""
    return find_marked(comments, notice_marker(key), bot_login) is not None


def post_notice(
    repo: GitHubRepo,
    number: int,
    key: str,
    text: str,
    comments: Sequence[CommentInfo] | None = None,
) -> bool:
    """Post ``text`` on issue or pull request ``number`` unless notice ``key`` is there.

    ``comments`` are the comments already read (saves a request); returns
    whether a comment was posted. Posting looks before each retry too
    (:meth:`GitHubRepo.add_marked_comment`): an answer lost after GitHub applied
    the comment does not make a second one.
    """
    login = repo.client.login()
    if comments is None:
        found = repo.find_marked_comment(number, notice_marker(key)) is not None
    else:
        found = has_notice(comments, key, login)
    if found:
        return False
    repo.add_marked_comment(number, f"{notice_marker(key)}\n{text}", notice_marker(key))
    return True


def retire_pull(
    repo: GitHubRepo,
    workspace: Workspace,
    pull: PullInfo,
    key: str,
    text: str,
    *,
    delete_branch: bool = True,
    known: Iterable[str] | None = None,
) -> bool:
    """Close one of the bot's pull requests with a notice; delete its branch if only the bot
    committed to it (``known``: the shas it recorded pushing there, see
    :meth:`Workspace.foreign_commits`). Returns whether the branch was deleted."""
    post_notice(repo, pull.number, key, text)
    if pull.state == "open":
        repo.close_pull(pull.number)
    fault_point("retire")
    if not delete_branch:
        return False
    workspace.fetch()
    if workspace.remote_sha(pull.head) is None:
        return False
    foreign = workspace.foreign_commits(pull.head, known)
    if foreign:
        log.warning("not deleting %s: it has commits by others", pull.head)
        return False
    return repo.delete_branch(pull.head)


def retired_by_bot(repo: GitHubRepo, pull: PullInfo) -> bool:
    """Whether the bot closed this pull request itself (it posts a notice on every pull
    request it retires, before closing it): then its closing is no news for the issue."""
    return repo.find_marked_comment(pull.number, NOTICE_PREFIX) is not None
