"""The bot's configuration: the environment, read once into one typed, frozen ``Settings``.

Every process (web, worker, CLI) calls :meth:`Settings.from_env`. Nothing else
in the bot reads ``os.environ`` for configuration, except the test-only fault
hook in :mod:`bot.worker.faults`.

Secrets (the webhook secret, the token, the App's private key) are fields
with ``repr=False``: they never appear in a ``repr``, a log line or an error
message; :meth:`Settings.describe` shows only whether they are set.

Credentials are needed by the worker only: the web process verifies webhooks
and stores jobs, so it needs the webhook secret but no GitHub credentials.
Each consumer asks for what it needs (:meth:`Settings.github_settings`,
:meth:`Settings.require_webhook_secret`) and gets a :class:`ConfigError`
naming the missing variables.

| variable | default | meaning |
|---|---|---|
| ``GITHUB_WEBHOOK_SECRET`` | (required by ``serve``) | the webhook's shared secret |
| ``GITHUB_API_URL`` | ``https://api.github.com`` | REST API base URL |
| ``GITHUB_TOKEN`` | | a token (personal or bot account); or use an App: |
| ``GITHUB_APP_ID`` | | the GitHub App's id |
| ``GITHUB_PRIVATE_KEY`` | | the App's private key: PEM text or a file path |
| ``GITHUB_INSTALLATION_ID`` | (from the webhook) | the App installation, for jobs without one |
| ``BOT_LOGIN`` | token: ``GET /user``; App: ``<slug>[bot]`` | the bot's login |
| ``ANTHOLOGY_REPO`` | ``acl-org/acl-anthology`` | ``owner/name`` of the data repository |
| ``ANTHOLOGY_CLONE_URL`` | ``https://github.com/<repo>.git`` | where git fetches and pushes |
| ``BOT_STATE_DIR`` | ``$XDG_STATE_HOME/anthology-bot`` | clone, worktrees, index, job database |
| ``QUEUE_URL`` | ``sqlite:///<BOT_STATE_DIR>/jobs.sqlite`` | job store; ``redis://host:port/db`` |
| ``PREVIEW_URL_TEMPLATE`` | ``https://preview.aclanthology.org/{slug}/`` | ``workflow.preview`` |
| ``BOT_GIT_NAME`` / ``BOT_GIT_EMAIL`` | ``ACL Anthology Bot`` / ... | the bot's commit identity |
| ``LOG_LEVEL`` | ``INFO`` | ``DEBUG``, ``INFO``, ``WARNING``, ``ERROR`` |
| ``GITHUB_TIMEOUT`` | ``15`` | seconds per GitHub request |
| ``GITHUB_RETRY_ATTEMPTS`` | ``4`` | tries per GitHub operation inside one job run |
| ``GITHUB_RETRY_BACKOFF`` | ``1.0`` | first wait (s) between those tries, doubling |
| ``GITHUB_THROTTLE`` | ``true`` | PyGithub's pacing between requests |
| ``JOB_MAX_ATTEMPTS`` | ``5`` | runs of a job before it fails for good |
| ``JOB_RETRY_BACKOFF`` | ``30`` | first wait (s) before a job runs again, doubling |
| ``JOB_RETRY_MAX_BACKOFF`` | ``1800`` | longest wait (s) between runs |
| ``JOB_LEASE_SECONDS`` | ``300`` | a worker's hold on a job, renewed while it works |
| ``WORKER_POLL_SECONDS`` | ``2`` | how often an idle worker looks for jobs |
| ``APPROVAL_MODE`` | ``off`` | ``label``: pull requests only for approved issues |
| ``APPROVAL_LABEL`` | ``approved`` | the label that approves an issue |
| ``OLD_FORM_ISSUES`` | ``all`` | old-form issues acted on: ``all``, or ``staff-labelled`` |
| ``ISSUE_LABELS`` | ``author-page`` | labels (comma-separated) making an old-form issue the bot's |
| ``STAFF_LABEL`` | ``meta:move`` | the label staff add to hand an old-form issue to the bot |
| ``COMMAND_PERMISSION`` | ``triage`` | least role for maintainer commands (or write...) |
| ``BATCH_NAME_PREFIX`` | ``author-pages-`` | ``/batch`` alone: ``<prefix>YYYY-MM-DD`` |
| ``PENDING_LABEL`` | ``pending`` | the label of issues in a batch |
| ``MERGED_MESSAGE`` | (next site build...) | told to the issue when its change is merged |
| ``RECONCILE_INTERVAL_SECONDS`` | ``3600`` | how often to look for missed events; 0: never |
| ``JOB_RETENTION_DAYS`` | ``30`` | workers delete finished jobs older than this; 0: never |
| ``DEMO_DATA_DIR`` | | a data directory to serve demo author pages from |
| ``ISSUE_FORM_BASE`` | ``https://github.com`` | where the demo pages' dialog opens the issue form |
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import Permanent

DEFAULT_REPO = "acl-org/acl-anthology"
DEFAULT_GIT_NAME = "ACL Anthology Bot"
DEFAULT_GIT_EMAIL = "anthology-bot@users.noreply.github.com"
APPROVAL_MODES = ("off", "label")
OLD_FORM_MODES = ("all", "staff-labelled")
WAITING_LABEL = "waiting"
"""The label the bot puts on an issue while it waits for an answer from the person who filed it."""
PULL_LABELS = ("correction", "author-page")
"""The labels of the bot's pull requests (an issue's own, and batches): the maintainers' own."""
COMMAND_ROLES = ("triage", "write", "maintain", "admin")
DEFAULT_MERGED_MESSAGE = (
    "The Anthology website is built from the default branch, so the change will be live "
    "after the next site build, usually within a day."
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_REPO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+")
_PEM_BEGIN = "-----BEGIN"


class ConfigError(Permanent, ValueError):
    """The environment is incomplete or wrong; the message names the variable (never a secret)."""


# -- the parts of the settings that adapters take -------------------------------
# (defined here, so that this module stays a leaf: the adapters import them from here)

DEFAULT_API_URL = "https://api.github.com"

DEFAULT_PREVIEW_URL_TEMPLATE = "https://preview.aclanthology.org/{slug}/"
"""The Anthology's current preview scheme (see ``bot.workflow.preview``)."""

LEGACY_PREVIEW_URL_TEMPLATE = "https://preview.aclanthology.org/{branch}/"
"""The older scheme: the branch name as the folder."""


class PreviewTemplateError(ValueError):
    """The preview URL template has a placeholder other than ``{slug}`` and ``{branch}``."""


def check_template(template: str) -> None:
    """Raise :class:`PreviewTemplateError` unless ``template`` formats with slug and branch."""
    try:
        template.format(slug="s", branch="b")
    except (KeyError, IndexError, ValueError) as exc:
        raise PreviewTemplateError(
            f"PREVIEW_URL_TEMPLATE may only use {{slug}} and {{branch}} ({exc!s})"
        ) from None
    if not template.startswith(("https://", "http://")):
        raise PreviewTemplateError("PREVIEW_URL_TEMPLATE must be an http(s) URL")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry an operation.

    The n-th retry waits ``backoff_factor * 2 ** (n - 1)`` seconds, at most
    ``max_backoff``; a rate limit waits until its reset, unless that is more than
    ``max_rate_limit_wait`` seconds away, in which case the operation fails at
    once with :class:`GitHubUnavailable` (and its ``retry_after``).
    """

    attempts: int = 4
    backoff_factor: float = 1.0
    max_backoff: float = 30.0
    max_rate_limit_wait: float = 120.0

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after the failed ``attempt`` (1-based)."""
        return min(self.max_backoff, self.backoff_factor * 2 ** (attempt - 1))


@dataclass(frozen=True)
class GitHubSettings:
    """How to reach GitHub and as whom.

    Give either ``token`` or ``app_id`` + ``private_key`` (PEM). For an App,
    ``installation_id`` may be left out here and passed to :func:`make_github`
    from the webhook payload. ``throttle`` keeps PyGithub's spacing between
    requests (0.25 s, 1 s between writes); tests turn it off.
    """

    repo: str
    api_url: str = DEFAULT_API_URL
    token: str | None = field(default=None, repr=False)
    app_id: int | None = None
    private_key: str | None = field(default=None, repr=False)
    installation_id: int | None = None
    timeout: int = 15
    retry: RetryPolicy = RetryPolicy()
    throttle: bool = True
    user_agent: str = "anthology-assignment-bot"

    def __post_init__(self) -> None:
        if "/" not in self.repo:
            raise ValueError(f"repo must be 'owner/name', not {self.repo!r}")
        if self.token is None and (self.app_id is None or not self.private_key):
            raise ValueError("GitHub settings need a token, or an app id and a private key")

    @property
    def is_app(self) -> bool:
        """Whether the bot authenticates as a GitHub App."""
        return self.token is None


@dataclass(frozen=True)
class GitIdentity:
    """The name and email the bot commits as."""

    name: str
    email: str

    def env(self) -> dict[str, str]:
        """Author and committer environment variables."""
        return {
            "GIT_AUTHOR_NAME": self.name,
            "GIT_AUTHOR_EMAIL": self.email,
            "GIT_COMMITTER_NAME": self.name,
            "GIT_COMMITTER_EMAIL": self.email,
        }


def _default_state_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "anthology-bot"


def _text(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _number(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum:g}")
    return value


def _integer(
    env: Mapping[str, str], name: str, default: int | None, minimum: int = 0
) -> int | None:
    raw = _text(env, name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number, not {raw!r}")
    value = int(raw)
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = _text(env, name)
    if raw is None:
        return default
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def read_private_key(value: str) -> str:
    """The App's private key from ``GITHUB_PRIVATE_KEY``: PEM text, or the path of a PEM file.

    PEM text pasted into a one-line variable often has literal ``\\n``: they are
    turned back into newlines.
    """
    text = value.strip()
    if text.startswith(_PEM_BEGIN):
        return text.replace("\\n", "\n") + "\n"
    path = Path(text).expanduser()
    try:
        content = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        raise ConfigError(
            "GITHUB_PRIVATE_KEY is neither PEM text nor the path of a readable PEM file"
        ) from None
    if _PEM_BEGIN not in content:
        raise ConfigError("GITHUB_PRIVATE_KEY names a file that holds no PEM key")
    return content


@dataclass(frozen=True)
class IssueScope:
    """Which issues filed with the Anthology's old "Correction to Author Page" form are the bot's.

    Issues of the bot's own form always are. An issue of the old form's shape (its section
    headings, ``bot.forms.detect_form``) is the bot's:

    * ``old_form="all"`` (the default): when it carries one of ``labels`` (the old template
      sets ``author-page``), the ``staff_label``, or no label at all besides the labels the
      bot's own workflow sets (``workflow_labels``: an issue filed through the API or
      stripped of its labels is still an author-page issue by its shape). An issue whose
      labels are all others (staff relabelled it, e.g. ``metadata`` for a paper's metadata)
      is not the bot's.
    * ``old_form="staff-labelled"``: only once it carries ``staff_label``, and the issue job
      also checks through the API that someone with the maintainer role added that label
      (a filer cannot hand an issue to the bot by editing it into the old form).

    Labels are compared without regard to case.
    """

    old_form: str = "all"
    labels: tuple[str, ...] = ("author-page",)
    staff_label: str = "meta:move"
    workflow_labels: tuple[str, ...] = (WAITING_LABEL, "pending", "approved")

    def __post_init__(self) -> None:
        if self.old_form not in OLD_FORM_MODES:
            raise ConfigError(f"OLD_FORM_ISSUES must be one of {', '.join(OLD_FORM_MODES)}")
        if not self.staff_label.strip():
            raise ConfigError("STAFF_LABEL must not be empty")

    @property
    def staff_labelled(self) -> bool:
        """Whether old-form issues need the staff label, set by staff."""
        return self.old_form == "staff-labelled"

    def trigger_labels(self) -> frozenset[str]:
        """The labels (lower case) whose addition can make an old-form issue the bot's."""
        if self.staff_labelled:
            return frozenset({self.staff_label.lower()})
        return frozenset({self.staff_label.lower(), *(label.lower() for label in self.labels)})

    def ignored_labels(self) -> frozenset[str]:
        """The labels (lower case) that do not count when judging an issue unlabelled."""
        return frozenset(label.lower() for label in self.workflow_labels)


def _labels(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated list of label names (empty entries dropped)."""
    raw = _text(env, name)
    if raw is None:
        return default
    return tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))


def default_queue_url(state_dir: Path) -> str:
    """The embedded job store: an SQLite file in the state directory."""
    return f"sqlite:///{state_dir}/jobs.sqlite"


@dataclass(frozen=True)
class Settings:
    """Everything the bot's processes are configured with (see the module docstring)."""

    state_dir: Path
    queue_url: str = field(repr=False)  # may carry a Redis password
    anthology_repo: str = DEFAULT_REPO
    clone_url: str = f"https://github.com/{DEFAULT_REPO}.git"
    github_api_url: str = DEFAULT_API_URL
    webhook_secret: str | None = field(default=None, repr=False)
    github_token: str | None = field(default=None, repr=False)
    github_app_id: int | None = None
    github_private_key: str | None = field(default=None, repr=False)
    github_installation_id: int | None = None
    bot_login: str | None = None
    preview_url_template: str = DEFAULT_PREVIEW_URL_TEMPLATE
    git_name: str = DEFAULT_GIT_NAME
    git_email: str = DEFAULT_GIT_EMAIL
    log_level: str = "INFO"
    github_timeout: float = 15.0
    github_retry_attempts: int = 4
    github_retry_backoff: float = 1.0
    github_throttle: bool = True
    job_max_attempts: int = 5
    job_retry_backoff: float = 30.0
    job_retry_max_backoff: float = 1800.0
    job_lease_seconds: float = 300.0
    worker_poll_seconds: float = 2.0
    approval_mode: str = "off"
    approval_label: str = "approved"
    demo_data_dir: Path | None = None
    issue_form_base: str = "https://github.com"
    command_permission: str = "triage"
    batch_name_prefix: str = "author-pages-"
    pending_label: str = "pending"
    merged_message: str = DEFAULT_MERGED_MESSAGE
    reconcile_interval: float = 3600.0
    job_retention_days: float = 30.0
    old_form_issues: str = "all"
    issue_labels: tuple[str, ...] = ("author-page",)
    staff_label: str = "meta:move"

    def __post_init__(self) -> None:
        if not _REPO_NAME.fullmatch(self.anthology_repo):
            raise ConfigError(f"ANTHOLOGY_REPO must be owner/name, not {self.anthology_repo!r}")
        if self.approval_mode not in APPROVAL_MODES:
            raise ConfigError(f"APPROVAL_MODE must be one of {', '.join(APPROVAL_MODES)}")
        if self.command_permission not in COMMAND_ROLES:
            raise ConfigError(f"COMMAND_PERMISSION must be one of {', '.join(COMMAND_ROLES)}")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,40}", self.batch_name_prefix):
            raise ConfigError("BATCH_NAME_PREFIX must be a short branch name prefix")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        if self.github_app_id is not None and not self.github_private_key:
            raise ConfigError("GITHUB_APP_ID is set but GITHUB_PRIVATE_KEY is not")
        if self.github_private_key and self.github_app_id is None:
            raise ConfigError("GITHUB_PRIVATE_KEY is set but GITHUB_APP_ID is not")
        if not self.queue_url.startswith(("sqlite:///", "redis://", "rediss://", "unix://")):
            raise ConfigError(
                "QUEUE_URL must start with sqlite:///, redis://, rediss:// or unix://"
            )
        try:
            check_template(self.preview_url_template)
        except PreviewTemplateError as exc:
            raise ConfigError(str(exc)) from None
        self.issue_scope  # noqa: B018 - validates OLD_FORM_ISSUES and STAFF_LABEL

    # -- reading the environment ---------------------------------------------------

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``env`` (default: ``os.environ``)."""
        env = os.environ if env is None else env
        state_dir = Path(_text(env, "BOT_STATE_DIR") or _default_state_dir(env)).expanduser()
        state_dir = state_dir.absolute()
        repo = _text(env, "ANTHOLOGY_REPO") or DEFAULT_REPO
        key = _text(env, "GITHUB_PRIVATE_KEY")
        demo_dir = _text(env, "DEMO_DATA_DIR")
        return cls(
            state_dir=state_dir,
            queue_url=_text(env, "QUEUE_URL") or default_queue_url(state_dir),
            anthology_repo=repo,
            clone_url=_text(env, "ANTHOLOGY_CLONE_URL") or f"https://github.com/{repo}.git",
            github_api_url=(_text(env, "GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
            webhook_secret=_text(env, "GITHUB_WEBHOOK_SECRET"),
            github_token=_text(env, "GITHUB_TOKEN"),
            github_app_id=_integer(env, "GITHUB_APP_ID", None, minimum=1),
            github_private_key=read_private_key(key) if key else None,
            github_installation_id=_integer(env, "GITHUB_INSTALLATION_ID", None, minimum=1),
            bot_login=_text(env, "BOT_LOGIN"),
            preview_url_template=_text(env, "PREVIEW_URL_TEMPLATE") or DEFAULT_PREVIEW_URL_TEMPLATE,
            git_name=_text(env, "BOT_GIT_NAME") or DEFAULT_GIT_NAME,
            git_email=_text(env, "BOT_GIT_EMAIL") or DEFAULT_GIT_EMAIL,
            log_level=(_text(env, "LOG_LEVEL") or "INFO").upper(),
            github_timeout=_number(env, "GITHUB_TIMEOUT", 15.0, minimum=1.0),
            github_retry_attempts=int(_integer(env, "GITHUB_RETRY_ATTEMPTS", 4, minimum=1) or 4),
            github_retry_backoff=_number(env, "GITHUB_RETRY_BACKOFF", 1.0),
            github_throttle=_flag(env, "GITHUB_THROTTLE", True),
            job_max_attempts=int(_integer(env, "JOB_MAX_ATTEMPTS", 5, minimum=1) or 5),
            job_retry_backoff=_number(env, "JOB_RETRY_BACKOFF", 30.0),
            job_retry_max_backoff=_number(env, "JOB_RETRY_MAX_BACKOFF", 1800.0),
            job_lease_seconds=_number(env, "JOB_LEASE_SECONDS", 300.0, minimum=1.0),
            worker_poll_seconds=_number(env, "WORKER_POLL_SECONDS", 2.0, minimum=0.01),
            approval_mode=(_text(env, "APPROVAL_MODE") or "off").lower(),
            approval_label=_text(env, "APPROVAL_LABEL") or "approved",
            demo_data_dir=Path(demo_dir).expanduser().absolute() if demo_dir else None,
            issue_form_base=(_text(env, "ISSUE_FORM_BASE") or "https://github.com").rstrip("/"),
            command_permission=(_text(env, "COMMAND_PERMISSION") or "triage").lower(),
            batch_name_prefix=_text(env, "BATCH_NAME_PREFIX") or "author-pages-",
            pending_label=_text(env, "PENDING_LABEL") or "pending",
            merged_message=_text(env, "MERGED_MESSAGE") or DEFAULT_MERGED_MESSAGE,
            reconcile_interval=_number(env, "RECONCILE_INTERVAL_SECONDS", 3600.0),
            job_retention_days=_number(env, "JOB_RETENTION_DAYS", 30.0),
            old_form_issues=(_text(env, "OLD_FORM_ISSUES") or "all").lower(),
            issue_labels=_labels(env, "ISSUE_LABELS", ("author-page",)),
            staff_label=_text(env, "STAFF_LABEL") or "meta:move",
        )

    # -- what the parts of the bot need ----------------------------------------------

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value that is set, for scrubbing logs."""
        queue_password = urllib.parse.urlsplit(self.queue_url).password
        values = (self.webhook_secret, self.github_token, self.github_private_key, queue_password)
        return tuple(v for v in values if v)

    def require_webhook_secret(self) -> str:
        """The webhook secret; the web process refuses to start without one."""
        if not self.webhook_secret:
            raise ConfigError(
                "GITHUB_WEBHOOK_SECRET is not set: the web process cannot verify deliveries"
            )
        return self.webhook_secret

    @property
    def needs_app_login(self) -> bool:
        """Whether ``bot_login`` is to be read from the GitHub App (``<slug>[bot]``):
        App credentials are set, and neither ``BOT_LOGIN`` nor a token is."""
        return (
            not self.bot_login
            and not self.github_token
            and self.github_app_id is not None
            and bool(self.github_private_key)
        )

    @property
    def has_github_credentials(self) -> bool:
        return bool(self.github_token) or self.github_app_id is not None

    def github_settings(self) -> GitHubSettings:
        """How to reach GitHub (for the worker); raises ConfigError without credentials."""
        if not self.has_github_credentials:
            raise ConfigError(
                "no GitHub credentials: set GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_PRIVATE_KEY"
            )
        return GitHubSettings(
            repo=self.anthology_repo,
            api_url=self.github_api_url,
            token=self.github_token,
            app_id=None if self.github_token else self.github_app_id,
            private_key=None if self.github_token else self.github_private_key,
            installation_id=self.github_installation_id,
            timeout=max(1, round(self.github_timeout)),
            retry=RetryPolicy(
                attempts=self.github_retry_attempts,
                backoff_factor=self.github_retry_backoff,
                max_backoff=max(self.github_retry_backoff, 30.0),
            ),
            throttle=self.github_throttle,
        )

    @property
    def issue_scope(self) -> IssueScope:
        """Which old-form issues are the bot's (``bot.forms.is_bot_issue``)."""
        return IssueScope(
            old_form=self.old_form_issues,
            labels=self.issue_labels,
            staff_label=self.staff_label,
            workflow_labels=(WAITING_LABEL, self.pending_label, self.approval_label),
        )

    @property
    def git_identity(self) -> GitIdentity:
        """Who the bot's commits are by."""
        return GitIdentity(self.git_name, self.git_email)

    @property
    def index_path(self) -> Path:
        """The name index of the data checkout, kept between jobs."""
        return self.state_dir / "index" / "names.sqlite"

    def job_backoff(self, attempts: int) -> float:
        """Seconds before a job that failed ``attempts`` times (transiently) runs again."""
        return min(self.job_retry_max_backoff, self.job_retry_backoff * 2 ** max(0, attempts - 1))

    def describe(self) -> dict[str, Any]:
        """The settings for a log line: secrets only as set / not set."""
        return {
            "state_dir": str(self.state_dir),
            "queue": self.queue_url.split("://", 1)[0],
            "anthology_repo": self.anthology_repo,
            "clone_url": self.clone_url,
            "github_api_url": self.github_api_url,
            "auth": "token" if self.github_token else ("app" if self.github_app_id else "none"),
            "webhook_secret": "set" if self.webhook_secret else "not set",
            "preview_url_template": self.preview_url_template,
            "approval_mode": self.approval_mode,
            "old_form_issues": self.old_form_issues,
            "issue_labels": list(self.issue_labels),
            "command_permission": self.command_permission,
            "reconcile_interval": self.reconcile_interval,
            "demo_data_dir": str(self.demo_data_dir) if self.demo_data_dir else None,
            "issue_form_base": self.issue_form_base,
        }
