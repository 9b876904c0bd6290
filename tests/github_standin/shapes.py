"""JSON shapes of GitHub's REST objects, modelled on real webhook payloads.

Every ``url``-like field is built from the stand-in's own base URL, because
PyGithub refuses to follow absolute URLs on another host, port or path prefix.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.github_standin.state import Comment, Issue, IssueEvent, Label, Reaction

REACTION_KEYS = ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes")


def stable_id(text: str) -> int:
    """A stable positive numeric id for a login or name."""
    return zlib.crc32(text.encode("utf-8")) % 90_000_000 + 1_000_000


def node_id(kind: str, number: int) -> str:
    """A GraphQL node id in the old (base64) style."""
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode("ascii")


@dataclass(frozen=True)
class Shapes:
    """Builds JSON objects for one repository served at ``base``."""

    base: str
    owner: str
    name: str
    repo_id: int
    app_id: int | None
    app_slug: str

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def repo_api(self) -> str:
        return f"{self.base}/repos/{self.full_name}"

    @property
    def repo_html(self) -> str:
        return f"{self.base}/{self.full_name}"

    # -- users -----------------------------------------------------------------

    def user(self, login: str) -> dict[str, Any]:
        """A user object; logins ending in ``[bot]`` are bots."""
        uid = stable_id(login)
        api = f"{self.base}/users/{login}"
        return {
            "login": login,
            "id": uid,
            "node_id": node_id("User", uid),
            "avatar_url": f"{self.base}/avatars/u/{uid}?v=4",
            "gravatar_id": "",
            "url": api,
            "html_url": f"{self.base}/{login}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos",
            "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events",
            "type": "Bot" if login.endswith("[bot]") else "User",
            "site_admin": False,
        }

    def public_user(self, login: str) -> dict[str, Any]:
        """The full public profile (``GET /user``, ``GET /users/{login}``)."""
        return {
            **self.user(login),
            "name": None,
            "company": None,
            "blog": "",
            "location": None,
            "email": None,
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "public_repos": 0,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
        }

    def app(self) -> dict[str, Any]:
        """The GitHub App object (``GET /app``)."""
        return {
            "id": self.app_id,
            "slug": self.app_slug,
            "node_id": node_id("App", self.app_id or 0),
            "owner": self.user(self.owner),
            "name": self.app_slug,
            "description": "Stand-in GitHub App",
            "external_url": f"{self.base}/apps/{self.app_slug}",
            "html_url": f"{self.base}/apps/{self.app_slug}",
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "permissions": {
                "contents": "write",
                "issues": "write",
                "metadata": "read",
                "pull_requests": "write",
            },
            "events": ["issues", "issue_comment", "pull_request", "push"],
            "installations_count": 1,
        }

    def installation(self, installation_id: int) -> dict[str, Any]:
        """An installation object as in ``GET /repos/{o}/{r}/installation``."""
        return {
            "id": installation_id,
            "account": self.user(self.owner),
            "repository_selection": "selected",
            "access_tokens_url": f"{self.base}/app/installations/{installation_id}/access_tokens",
            "repositories_url": f"{self.base}/installation/repositories",
            "html_url": f"{self.base}/organizations/{self.owner}/settings/installations/"
            f"{installation_id}",
            "app_id": self.app_id,
            "app_slug": self.app_slug,
            "target_id": stable_id(self.owner),
            "target_type": "Organization",
            "permissions": self.app()["permissions"],
            "events": self.app()["events"],
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "single_file_name": None,
        }

    def installation_ref(self, installation_id: int) -> dict[str, Any]:
        """The short ``installation`` object of webhook payloads."""
        return {
            "id": installation_id,
            "node_id": node_id("IntegrationInstallation", installation_id),
        }

    # -- repository ------------------------------------------------------------

    def repo(self, default_branch: str, open_issues: int = 0) -> dict[str, Any]:
        """The repository object."""
        api = self.repo_api
        return {
            "id": self.repo_id,
            "node_id": node_id("Repository", self.repo_id),
            "name": self.name,
            "full_name": self.full_name,
            "private": False,
            "owner": self.user(self.owner),
            "html_url": self.repo_html,
            "description": "Stand-in repository",
            "fork": False,
            "url": api,
            "forks_url": f"{api}/forks",
            "keys_url": f"{api}/keys{{/key_id}}",
            "collaborators_url": f"{api}/collaborators{{/collaborator}}",
            "teams_url": f"{api}/teams",
            "hooks_url": f"{api}/hooks",
            "issue_events_url": f"{api}/issues/events{{/number}}",
            "events_url": f"{api}/events",
            "assignees_url": f"{api}/assignees{{/user}}",
            "branches_url": f"{api}/branches{{/branch}}",
            "tags_url": f"{api}/tags",
            "blobs_url": f"{api}/git/blobs{{/sha}}",
            "git_tags_url": f"{api}/git/tags{{/sha}}",
            "git_refs_url": f"{api}/git/refs{{/sha}}",
            "trees_url": f"{api}/git/trees{{/sha}}",
            "statuses_url": f"{api}/statuses/{{sha}}",
            "languages_url": f"{api}/languages",
            "stargazers_url": f"{api}/stargazers",
            "contributors_url": f"{api}/contributors",
            "subscribers_url": f"{api}/subscribers",
            "subscription_url": f"{api}/subscription",
            "commits_url": f"{api}/commits{{/sha}}",
            "git_commits_url": f"{api}/git/commits{{/sha}}",
            "comments_url": f"{api}/comments{{/number}}",
            "issue_comment_url": f"{api}/issues/comments{{/number}}",
            "contents_url": f"{api}/contents/{{+path}}",
            "compare_url": f"{api}/compare/{{base}}...{{head}}",
            "merges_url": f"{api}/merges",
            "archive_url": f"{api}/{{archive_format}}{{/ref}}",
            "downloads_url": f"{api}/downloads",
            "issues_url": f"{api}/issues{{/number}}",
            "pulls_url": f"{api}/pulls{{/number}}",
            "milestones_url": f"{api}/milestones{{/number}}",
            "notifications_url": f"{api}/notifications{{?since,all,participating}}",
            "labels_url": f"{api}/labels{{/name}}",
            "releases_url": f"{api}/releases{{/id}}",
            "deployments_url": f"{api}/deployments",
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "pushed_at": "2024-01-01T00:00:00Z",
            "git_url": f"{self.repo_html}.git",
            "ssh_url": f"git@127.0.0.1:{self.full_name}.git",
            "clone_url": f"{self.repo_html}.git",
            "svn_url": self.repo_html,
            "homepage": None,
            "size": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": None,
            "has_issues": True,
            "has_projects": False,
            "has_downloads": True,
            "has_wiki": False,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": False,
            "disabled": False,
            "open_issues_count": open_issues,
            "license": None,
            "forks": 0,
            "open_issues": open_issues,
            "watchers": 0,
            "default_branch": default_branch,
            "is_template": False,
            "topics": [],
            "visibility": "public",
            "web_commit_signoff_required": False,
            "custom_properties": {},
        }

    # -- issues ----------------------------------------------------------------

    def label(self, label: Label) -> dict[str, Any]:
        """A label object."""
        return {
            "id": label.id,
            "node_id": node_id("Label", label.id),
            "url": f"{self.repo_api}/labels/{label.name}",
            "name": label.name,
            "color": label.color,
            "default": False,
            "description": label.description,
        }

    def issue_event(self, event: IssueEvent, label_of: Callable[[str], Label]) -> dict[str, Any]:
        """An issue event, as ``GET /repos/{owner}/{repo}/issues/{number}/events`` lists it."""
        data: dict[str, Any] = {
            "id": event.id,
            "node_id": node_id("LabeledEvent", event.id),
            "url": f"{self.repo_api}/issues/events/{event.id}",
            "actor": self.user(event.actor),
            "event": event.event,
            "commit_id": None,
            "commit_url": None,
            "created_at": event.created_at,
            "performed_via_github_app": None,
        }
        if event.label is not None:
            label = label_of(event.label)
            data["label"] = {"name": label.name, "color": label.color}
        return data

    def reactions_summary(self, url: str, reactions: list[Reaction]) -> dict[str, Any]:
        """The ``reactions`` rollup embedded in issues and comments."""
        summary: dict[str, Any] = {"url": url, "total_count": len(reactions)}
        for key in REACTION_KEYS:
            summary[key] = sum(1 for r in reactions if r.content == key)
        return summary

    def reaction(self, reaction: Reaction) -> dict[str, Any]:
        """A reaction object."""
        return {
            "id": reaction.id,
            "node_id": node_id("Reaction", reaction.id),
            "user": self.user(reaction.user),
            "content": reaction.content,
            "created_at": reaction.created_at,
        }

    def author_association(self, login: str) -> str:
        """A plausible ``author_association`` (not to be relied on, as on GitHub)."""
        if login == self.owner:
            return "OWNER"
        return "NONE"

    def issue(self, issue: Issue, labels: list[Label], comment_count: int) -> dict[str, Any]:
        """An issue object (pull requests get a ``pull_request`` key)."""
        api = f"{self.repo_api}/issues/{issue.number}"
        kind = "pull" if issue.is_pull else "issues"
        data: dict[str, Any] = {
            "url": api,
            "repository_url": self.repo_api,
            "labels_url": f"{api}/labels{{/name}}",
            "comments_url": f"{api}/comments",
            "events_url": f"{api}/events",
            "html_url": f"{self.repo_html}/{kind}/{issue.number}",
            "id": issue.id,
            "node_id": node_id("PullRequest" if issue.is_pull else "Issue", issue.id),
            "number": issue.number,
            "title": issue.title,
            "user": self.user(issue.user),
            "labels": [self.label(label) for label in labels],
            "state": issue.state,
            "locked": issue.locked,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": comment_count,
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "closed_at": issue.closed_at,
            "author_association": self.author_association(issue.user),
            "active_lock_reason": None,
            "body": issue.body,
            "reactions": self.reactions_summary(f"{api}/reactions", issue.reactions),
            "timeline_url": f"{api}/timeline",
            "performed_via_github_app": self.app() if issue.app else None,
            "state_reason": issue.state_reason,
            "draft": False,
        }
        if issue.pull is not None:
            pulls = f"{self.repo_api}/pulls/{issue.number}"
            html = f"{self.repo_html}/pull/{issue.number}"
            data["draft"] = issue.pull.draft
            data["pull_request"] = {
                "url": pulls,
                "html_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "merged_at": issue.pull.merged_at,
            }
        return data

    def comment(self, comment: Comment) -> dict[str, Any]:
        """An issue comment object."""
        api = f"{self.repo_api}/issues/comments/{comment.id}"
        return {
            "url": api,
            "html_url": f"{self.repo_html}/issues/{comment.issue_number}#issuecomment-{comment.id}",
            "issue_url": f"{self.repo_api}/issues/{comment.issue_number}",
            "id": comment.id,
            "node_id": node_id("IssueComment", comment.id),
            "user": self.user(comment.user),
            "created_at": comment.created_at,
            "updated_at": comment.updated_at,
            "author_association": self.author_association(comment.user),
            "performed_via_github_app": self.app() if comment.app else None,
            "body": comment.body,
            "reactions": self.reactions_summary(f"{api}/reactions", comment.reactions),
        }

    # -- pull requests ---------------------------------------------------------

    def branch_end(self, ref: str, sha: str, default_branch: str) -> dict[str, Any]:
        """The ``head``/``base`` object of a pull request."""
        return {
            "label": f"{self.owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": self.user(self.owner),
            "repo": self.repo(default_branch),
        }

    def pull(
        self,
        issue: Issue,
        labels: list[Label],
        comment_count: int,
        default_branch: str,
        stats: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        """A pull request object; ``stats`` (commits, additions...) only for one PR."""
        pr = issue.pull
        assert pr is not None
        api = f"{self.repo_api}/pulls/{issue.number}"
        issue_api = f"{self.repo_api}/issues/{issue.number}"
        html = f"{self.repo_html}/pull/{issue.number}"
        data: dict[str, Any] = {
            "url": api,
            "id": issue.id,
            "node_id": node_id("PullRequest", issue.id),
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": issue_api,
            "number": issue.number,
            "state": issue.state,
            "locked": issue.locked,
            "title": issue.title,
            "user": self.user(issue.user),
            "body": issue.body,
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "closed_at": issue.closed_at,
            "merged_at": pr.merged_at,
            "merge_commit_sha": pr.merge_commit_sha,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "labels": [self.label(label) for label in labels],
            "milestone": None,
            "draft": pr.draft,
            "commits_url": f"{api}/commits",
            "review_comments_url": f"{api}/comments",
            "review_comment_url": f"{self.repo_api}/pulls/comments{{/number}}",
            "comments_url": f"{issue_api}/comments",
            "statuses_url": f"{self.repo_api}/statuses/{pr.head_sha}",
            "head": self.branch_end(pr.head, pr.head_sha, default_branch),
            "base": self.branch_end(pr.base, pr.base_sha, default_branch),
            "_links": {
                "self": {"href": api},
                "html": {"href": html},
                "issue": {"href": issue_api},
                "comments": {"href": f"{issue_api}/comments"},
                "review_comments": {"href": f"{api}/comments"},
                "review_comment": {"href": f"{self.repo_api}/pulls/comments{{/number}}"},
                "commits": {"href": f"{api}/commits"},
                "statuses": {"href": f"{self.repo_api}/statuses/{pr.head_sha}"},
            },
            "author_association": self.author_association(issue.user),
            "auto_merge": None,
            "active_lock_reason": None,
        }
        if stats is not None:
            data.update(
                {
                    "merged": pr.merged,
                    "mergeable": None if pr.merged else True,
                    "rebaseable": None if pr.merged else True,
                    "mergeable_state": "unknown" if pr.merged else "clean",
                    "merged_by": self.user(pr.merged_by) if pr.merged_by else None,
                    "comments": comment_count,
                    "review_comments": 0,
                    "maintainer_can_modify": pr.maintainer_can_modify,
                    **stats,
                }
            )
        return data
