"""Publish targets: a local or mounted folder, or `user@host:/path`, named or not in congressgen.yaml."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from congressgen.config import CONFIG_FILE, SiteConfig, normalise_base_url, suggest
from congressgen.errors import CongressError, ConfigError, Location
from congressgen.yamlsrc import nested_key_position

DEFAULT_KEEP = 5
TARGET_KEYS = {"path": "目标位置", "base_url": "网址", "keep": "保留版本数", "ssh_options": "ssh 参数"}


class PublishError(CongressError):
    """A target that cannot be published to; raised before the live site is touched."""


@dataclass(frozen=True)
class Target:
    location: str                  # a local path, or user@host:/path
    name: str = ""                 # the name in congressgen.yaml's publish section, if any
    base_url: str = ""             # the URL the site is served at there; builds must match it
    keep: int = DEFAULT_KEEP
    ssh_options: tuple[str, ...] = ()

    @property
    def remote(self) -> tuple[str, str] | None:
        """(user@host, /absolute/path) for an SSH target, None for a local folder."""
        return split_remote(self.location)

    @property
    def label(self) -> str:
        return f"{self.name}（{self.location}）" if self.name else self.location


def split_remote(location: str) -> tuple[str, str] | None:
    # `C:\www` is a Windows drive, not a host called C.
    match = re.match(r"^((?:[^@:/\\\s]+@)?[^@:/\\\s]{2,}):(.*)$", location)
    return (match.group(1), match.group(2)) if match else None


def _config_location(config: SiteConfig, *keys: str) -> Location:
    try:
        text = (config.root / CONFIG_FILE).read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError):
        return Location(config.path)
    line, col = nested_key_position(text, ("publish", *keys)) or (0, 0)
    return Location(config.path, line, col)


def _ssh_options(value, where: Location) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(shlex.split(value))
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(where, "ssh_options 应为文字（如 \"-p 2222 -i ~/.ssh/publish_key\"）或文字列表")


def parse_target(name: str, value, config: SiteConfig) -> Target:
    """One entry of `publish:` in congressgen.yaml, validated; errors name the line."""
    where = _config_location(config, name)
    if isinstance(value, str):
        value = {"path": value}
    if not isinstance(value, dict):
        raise ConfigError(where, f"发布目标 “{name}” 应写成 {{path: /srv/www/rd, base_url: https://…/}}")
    for key in value:
        if key not in TARGET_KEYS:
            raise ConfigError(_config_location(config, name, str(key)),
                              f"发布目标 “{name}” 中有未知的配置项 “{key}”{suggest(str(key), TARGET_KEYS)}"
                              f"（可用：{'、'.join(TARGET_KEYS)}）")
    path = value.get("path")
    if not isinstance(path, str) or not path.strip():
        raise ConfigError(where, f"发布目标 “{name}” 缺少 path（本机目录，或 用户@服务器:/目录）")
    remote = split_remote(path)
    if remote and not remote[1].startswith("/"):
        raise ConfigError(_config_location(config, name, "path"),
                          f"服务器上的目录须写绝对路径，如 {remote[0]}:/srv/www/rd，而不是 “{path}”")
    base_url = ""
    if value.get("base_url") is not None:
        if not isinstance(value["base_url"], str):
            raise ConfigError(_config_location(config, name, "base_url"), "base_url 应为网址")
        base_url = normalise_base_url(value["base_url"], _config_location(config, name, "base_url"))
    keep = value.get("keep", DEFAULT_KEEP)
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
        raise ConfigError(_config_location(config, name, "keep"), f"keep 应为不小于 1 的整数，实际写的是 {keep!r}")
    options = _ssh_options(value["ssh_options"], _config_location(config, name, "ssh_options")) \
        if value.get("ssh_options") is not None else ()
    return Target(path, name, base_url, keep, options)


def parse_targets(config: SiteConfig) -> dict[str, Target]:
    return {str(name): parse_target(str(name), value, config) for name, value in (config.publish or {}).items()}


def resolve_target(spec: str, config: SiteConfig | None, keep: int | None = None,
                   ssh_options: tuple[str, ...] = ()) -> Target:
    """A named target from congressgen.yaml wins over a folder of the same name."""
    targets = parse_targets(config) if config else {}
    if spec in targets:
        target = targets[spec]
    else:
        remote = split_remote(spec)
        if remote and not remote[1].startswith("/"):
            raise PublishError(Location(spec), f"服务器上的目录须写绝对路径，如 {remote[0]}:/srv/www/rd")
        target = Target(spec)
    if keep is not None:
        target = Target(target.location, target.name, target.base_url, keep, target.ssh_options)
    if ssh_options:
        target = Target(target.location, target.name, target.base_url, target.keep,
                        tuple(ssh_options) + target.ssh_options)
    return target
