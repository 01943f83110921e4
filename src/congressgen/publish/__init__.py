"""Publish stage: put a built site on the web server as a new release, switched atomically.

A target is a local or mounted folder, or `user@host:/path` reached with the system `ssh` and
`rsync` (layout: releases.py). Files unchanged since the live release are hard links to it
(os.link locally, rsync --link-dest over SSH), so publishing one changed report moves
kilobytes. A release is written under a dot-name and renamed into place when complete;
`current` is then replaced by rename(2) of a fresh symlink, so every request sees one whole
release, old or new, and a failed publish leaves the live site as it was. Publishes to one
target take its lock (lock.py) and so run one at a time.

The sub-stages, one module each:
    targets      parsing the `publish:` section and TARGET arguments
    releases     the release model: manifests, releases, history, naming, pruning, changes
    preflight    the policy: refusals read from the build record, with their override flags
    switching    switching `current` (one rename; the Windows two-rename fallback)
    lock         one publish at a time per target, stale locks reported
    local        the local-folder backend
    ssh          the ssh/rsync backend
    operations   publish, rollback, list: wiring the above
"""

from congressgen.publish.lock import Lock, LockOwner
from congressgen.publish.operations import (LockOptions, PublishOptions, PublishResult, RollbackResult,
                                            backend_for, list_releases, publish, rollback)
from congressgen.publish.preflight import Overrides, PublishRefused, Refusal, preflight
from congressgen.publish.releases import (Changes, Entry, Manifest, Release, Switch, TargetState, compare,
                                          new_release_name, parse_history, releases_to_remove, scan_build)
from congressgen.publish.switching import switch_by_rename, switch_current
from congressgen.publish.targets import PublishError, Target, resolve_target, split_remote

__all__ = [
    "Changes", "Entry", "Lock", "LockOptions", "LockOwner", "Manifest", "Overrides", "PublishError",
    "PublishOptions", "PublishRefused", "PublishResult", "Refusal", "Release", "RollbackResult", "Switch",
    "Target", "TargetState", "backend_for", "compare", "list_releases", "new_release_name", "parse_history",
    "preflight", "publish", "releases_to_remove", "resolve_target", "rollback", "scan_build", "split_remote",
    "switch_by_rename", "switch_current",
]
