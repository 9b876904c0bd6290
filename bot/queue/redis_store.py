"""The job store in Redis: for workers on several machines.

Same interface and rules as the SQLite store (see ``bot.queue.jobs``). Every
operation that reads and then changes state is one Lua script, which Redis
runs atomically: a claim by one worker and a claim by another can never both
take the same job, and a delivery is recorded together with its jobs.

Keys, under a prefix (default ``anthology-bot``)::

    <p>:job:<id>            the job, as JSON
    <p>:seq                 a counter giving jobs their order
    <p>:all                 sorted set of every job id, by order
    <p>:queue               sorted set of queued job ids, by order
    <p>:running             sorted set of running job ids, by lease expiry
    <p>:queued-key:<key>    the queued job of a coalescing key (at most one)
    <p>:running-key:<key>   the running job of a coalescing key (at most one)
    <p>:delivery:<id>       a delivery, as JSON; expires after DELIVERY_TTL
    <p>:schema              the schema version (``bot.jobs.SCHEMA_VERSION``)

The scripts build key names from the prefix, so the store needs one Redis
server (or a primary with replicas), not Redis Cluster. Times are passed in
from the caller's clock, so tests can control them.

``Job.detail`` goes through Lua's JSON library: keep it to flat scalar values
(an empty list would come back as an empty object).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import redis

from bot.queue.jobs import (
    DELIVERY_TTL,
    SCHEMA_VERSION,
    Accepted,
    Clock,
    Delivery,
    Job,
    JobRequest,
    JobState,
    JobStore,
    check_retry,
    check_version,
    superseded_reason,
)

DEFAULT_PREFIX = "anthology-bot"

_HELPERS = """
local prefix = ARGV[1]
local now = tonumber(ARGV[2])
local function k(...) return prefix .. ':' .. table.concat({...}, ':') end
local function has(v) return v ~= nil and v ~= cjson.null end
local function load(id)
  local raw = redis.call('GET', k('job', id))
  if not raw then return nil end
  return cjson.decode(raw)
end
local function save(job) redis.call('SET', k('job', job.id), cjson.encode(job)) end
local function leave_running(job)
  redis.call('ZREM', k('running'), job.id)
  if has(job.coalesce_key) and redis.call('GET', k('running-key', job.coalesce_key)) == job.id then
    redis.call('DEL', k('running-key', job.coalesce_key))
  end
  job.lease_owner = cjson.null
  job.lease_expires_at = cjson.null
  job.updated_at = now
end
local function requeue(job, not_before, err, superseded_prefix)
  leave_running(job)
  job.last_error = err
  local newer = false
  if has(job.coalesce_key) then newer = redis.call('GET', k('queued-key', job.coalesce_key)) end
  if newer then
    job.state = 'done'
    job.reason = superseded_prefix .. newer
    job.finished_at = now
  else
    job.state = 'queued'
    job.not_before = not_before
    redis.call('ZADD', k('queue'), redis.call('ZSCORE', k('all'), job.id), job.id)
    if has(job.coalesce_key) then redis.call('SET', k('queued-key', job.coalesce_key), job.id) end
  end
  save(job)
end
local function held(job, owner)
  return job ~= nil and job.state == 'running' and job.lease_owner == owner
end
"""

# ARGV: prefix, now, delivery id, delivery JSON, ttl, then one job JSON per request.
_ACCEPT = """
local dkey = k('delivery', ARGV[3])
if redis.call('EXISTS', dkey) == 1 then return cjson.encode({duplicate = true}) end
local ids, merged = {}, {}
for i = 6, #ARGV do
  local job = cjson.decode(ARGV[i])
  local qid = false
  if has(job.coalesce_key) then qid = redis.call('GET', k('queued-key', job.coalesce_key)) end
  if qid then
    local stored = load(qid)
    stored.events = stored.events + 1
    stored.delivery_id = job.delivery_id
    stored.updated_at = now
    if has(job.sender) then stored.sender = job.sender end
    if has(job.installation_id) then stored.installation_id = job.installation_id end
    save(stored)
    table.insert(ids, qid)
    table.insert(merged, true)
  else
    local seq = redis.call('INCR', k('seq'))
    save(job)
    redis.call('ZADD', k('all'), seq, job.id)
    redis.call('ZADD', k('queue'), seq, job.id)
    if has(job.coalesce_key) then redis.call('SET', k('queued-key', job.coalesce_key), job.id) end
    table.insert(ids, job.id)
    table.insert(merged, false)
  end
end
local delivery = cjson.decode(ARGV[4])
delivery.job_ids = ids
redis.call('SET', dkey, cjson.encode(delivery), 'EX', tonumber(ARGV[5]))
return cjson.encode({duplicate = false, job_ids = ids, coalesced = merged})
"""

# ARGV: prefix, now, owner, lease seconds.
_CLAIM = """
for _, id in ipairs(redis.call('ZRANGE', k('queue'), 0, -1)) do
  local job = load(id)
  local free = not has(job.coalesce_key)
    or redis.call('EXISTS', k('running-key', job.coalesce_key)) == 0
  if job.not_before <= now and free then
    local lease = now + tonumber(ARGV[4])
    job.state = 'running'
    job.attempts = job.attempts + 1
    job.lease_owner = ARGV[3]
    job.lease_expires_at = lease
    job.started_at = now
    job.updated_at = now
    save(job)
    redis.call('ZREM', k('queue'), id)
    redis.call('ZADD', k('running'), lease, id)
    if has(job.coalesce_key) then
      redis.call('DEL', k('queued-key', job.coalesce_key))
      redis.call('SET', k('running-key', job.coalesce_key), id)
    end
    return cjson.encode(job)
  end
end
return false
"""

# ARGV: prefix, now, job id, owner, lease seconds.
_RENEW = """
local job = load(ARGV[3])
if not held(job, ARGV[4]) then return 0 end
job.lease_expires_at = now + tonumber(ARGV[5])
job.updated_at = now
save(job)
redis.call('ZADD', k('running'), job.lease_expires_at, job.id)
return 1
"""

# ARGV: prefix, now, job id, owner, state, reason, error ('' for none).
_FINISH = """
local job = load(ARGV[3])
if not held(job, ARGV[4]) then return 0 end
leave_running(job)
job.state = ARGV[5]
job.reason = ARGV[6]
if ARGV[7] ~= '' then job.last_error = ARGV[7] end
job.finished_at = now
save(job)
return 1
"""

# ARGV: prefix, now, job id, owner, not before, error, superseded prefix, count ("1"|"0").
_RETRY_LATER = """
local job = load(ARGV[3])
if not held(job, ARGV[4]) then return 0 end
if ARGV[8] == '0' and job.attempts > 0 then job.attempts = job.attempts - 1 end
requeue(job, tonumber(ARGV[5]), ARGV[6], ARGV[7])
return 1
"""

# ARGV: prefix, now, error, superseded prefix.
_REQUEUE_EXPIRED = """
local ids = redis.call('ZRANGEBYSCORE', k('running'), '-inf', '(' .. now)
for _, id in ipairs(ids) do
  local job = load(id)
  if job == nil then
    redis.call('ZREM', k('running'), id)
  else
    requeue(job, now, ARGV[3], ARGV[4])
  end
end
return cjson.encode(ids)
"""


# ARGV: prefix, now, job id. Returns the job, or {refused = state | 'missing', queued = id}.
_RETRY = """
local job = load(ARGV[3])
if job == nil then return cjson.encode({refused = 'missing'}) end
if job.state ~= 'failed' then return cjson.encode({refused = job.state}) end
if has(job.coalesce_key) then
  local qid = redis.call('GET', k('queued-key', job.coalesce_key))
  if qid then return cjson.encode({refused = 'covered', queued = qid}) end
  redis.call('SET', k('queued-key', job.coalesce_key), job.id)
end
job.state = 'queued'
job.attempts = 0
job.not_before = now
job.reason = cjson.null
job.finished_at = cjson.null
job.updated_at = now
save(job)
redis.call('ZADD', k('queue'), redis.call('ZSCORE', k('all'), job.id), job.id)
return cjson.encode(job)
"""

# ARGV: prefix, now, cutoff. Deletes final jobs finished before the cutoff.
_PRUNE = """
local cutoff = tonumber(ARGV[3])
local removed = 0
for _, id in ipairs(redis.call('ZRANGE', k('all'), 0, -1)) do
  local job = load(id)
  if job == nil then
    redis.call('ZREM', k('all'), id)
  elseif (job.state == 'done' or job.state == 'waiting' or job.state == 'failed') then
    local ended = job.finished_at
    if not has(ended) then ended = job.updated_at end
    if ended < cutoff then
      redis.call('DEL', k('job', id))
      redis.call('ZREM', k('all'), id)
      removed = removed + 1
    end
  end
end
return removed
"""


def _list(value: Any) -> list[Any]:
    """A JSON array from Lua (whose JSON library writes an empty array as ``{}``)."""
    return list(value) if isinstance(value, list) else []


class RedisJobStore(JobStore):
    """The job store in a Redis database (see the module docstring)."""

    def __init__(
        self, client: redis.Redis, prefix: str = DEFAULT_PREFIX, clock: Clock = time.time
    ) -> None:
        super().__init__(clock)
        self.redis = client
        self.prefix = prefix
        self._accept = client.register_script(_HELPERS + _ACCEPT)
        self._claim = client.register_script(_HELPERS + _CLAIM)
        self._renew = client.register_script(_HELPERS + _RENEW)
        self._finish = client.register_script(_HELPERS + _FINISH)
        self._retry_later = client.register_script(_HELPERS + _RETRY_LATER)
        self._requeue_expired = client.register_script(_HELPERS + _REQUEUE_EXPIRED)
        self._retry = client.register_script(_HELPERS + _RETRY)
        self._prune = client.register_script(_HELPERS + _PRUNE)
        self._version_checked = False

    @classmethod
    def from_url(
        cls,
        url: str,
        prefix: str = DEFAULT_PREFIX,
        clock: Clock = time.time,
        timeout: float = 10.0,
    ) -> RedisJobStore:
        """A store on the server at ``url``; ``timeout`` bounds each connect and each answer."""
        client = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=timeout,
            socket_connect_timeout=min(timeout, 5.0),
        )
        return cls(client, prefix, clock)

    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def _now(self) -> float:
        """The clock, to the millisecond: Lua's JSON library keeps 14 significant digits."""
        return round(self.clock(), 3)

    def _args(self, *values: Any) -> list[Any]:
        self._check_schema()
        return [self.prefix, repr(self._now()), *values]

    def _check_schema(self) -> None:
        """Record or check the schema version, once per store object (on first use).

        Not in ``__init__``: opening a store must not need the server (the web
        process starts while Redis is down, and answers 503 until it is back).
        A prefix with jobs but no version is a store from before versions
        (version 0, the same keys): recording the version is its upgrade.
        """
        if self._version_checked:
            return
        key = self._key("schema")
        raw = self.redis.get(key)
        version = int(raw) if raw is not None else 0
        check_version(f"Redis prefix {self.prefix!r}", version)
        if version < SCHEMA_VERSION:
            # Steps from one version to the next go here; 0 -> 1 changes no keys.
            self.redis.set(key, str(SCHEMA_VERSION))
        self._version_checked = True

    def schema_version(self) -> int:
        self._check_schema()
        return int(self.redis.get(self._key("schema")) or 0)

    # -- the web process ---------------------------------------------------------------

    def accept(
        self,
        delivery_id: str,
        event: str,
        action: str | None,
        requests: Sequence[JobRequest],
    ) -> Accepted:
        now = self._now()
        delivery = {
            "delivery_id": delivery_id,
            "event": event,
            "action": action,
            "received_at": now,
        }
        jobs = [json.dumps(Job.new(r, delivery_id, now).to_json()) for r in requests]
        self._check_schema()
        raw = self._accept(
            args=[self.prefix, repr(now), delivery_id, json.dumps(delivery), DELIVERY_TTL, *jobs]
        )
        result = json.loads(raw)
        if result.get("duplicate"):
            return Accepted(duplicate=True)
        return Accepted(
            False,
            tuple(_list(result.get("job_ids"))),
            tuple(bool(c) for c in _list(result.get("coalesced"))),
        )

    # -- workers -----------------------------------------------------------------------

    def claim(self, owner: str, lease_seconds: float) -> Job | None:
        raw = self._claim(args=self._args(owner, repr(float(lease_seconds))))
        return Job.from_json(json.loads(raw)) if raw else None

    def renew(self, job_id: str, owner: str, lease_seconds: float) -> bool:
        return bool(self._renew(args=self._args(job_id, owner, repr(float(lease_seconds)))))

    def finish(
        self, job_id: str, owner: str, state: JobState, reason: str, error: str | None = None
    ) -> bool:
        if state not in ("done", "waiting", "failed"):
            raise ValueError(f"not a final state: {state}")
        return bool(self._finish(args=self._args(job_id, owner, state, reason, error or "")))

    def retry_later(
        self,
        job_id: str,
        owner: str,
        not_before: float,
        error: str,
        *,
        count_attempt: bool = True,
    ) -> bool:
        args = self._args(
            job_id,
            owner,
            repr(round(not_before, 3)),
            error,
            superseded_reason(""),
            "1" if count_attempt else "0",
        )
        return bool(self._retry_later(args=args))

    def requeue_expired(self) -> list[str]:
        raw = self._requeue_expired(args=self._args("the worker was lost", superseded_reason("")))
        return [str(i) for i in _list(json.loads(raw))]

    # -- operators -----------------------------------------------------------------------

    def retry(self, job_id: str) -> Job:
        result = json.loads(self._retry(args=self._args(job_id)))
        refused = result.get("refused") if isinstance(result, dict) else None
        if refused is None:
            return Job.from_json(result)
        job = self.get(job_id)
        check_retry(job, job_id, result.get("queued"))
        raise AssertionError(f"retry refused for an unknown reason: {refused}")  # pragma: no cover

    def prune(self, older_than: float) -> int:
        cutoff = round(self._now() - older_than, 3)
        return int(self._prune(args=self._args(repr(cutoff))))

    # -- reading -----------------------------------------------------------------------

    def get(self, job_id: str) -> Job | None:
        self._check_schema()
        raw = self.redis.get(self._key("job", job_id))
        return Job.from_json(json.loads(raw)) if raw else None

    def jobs(self, state: JobState | None = None, issue_number: int | None = None) -> list[Job]:
        self._check_schema()
        ids = self.redis.zrange(self._key("all"), 0, -1)
        if not ids:
            return []
        raws = self.redis.mget([self._key("job", i) for i in ids])
        out = [Job.from_json(json.loads(raw)) for raw in raws if raw]
        return [
            job
            for job in out
            if (state is None or job.state == state)
            and (issue_number is None or job.issue_number == issue_number)
        ]

    def delivery(self, delivery_id: str) -> Delivery | None:
        raw = self.redis.get(self._key("delivery", delivery_id))
        if not raw:
            return None
        data = json.loads(raw)
        return Delivery(
            data["delivery_id"],
            data["event"],
            data.get("action"),
            float(data["received_at"]),
            tuple(_list(data.get("job_ids"))),
        )

    def ping(self) -> None:
        self.redis.ping()

    def close(self) -> None:
        self.redis.close()
