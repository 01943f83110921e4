"""Preflight policy: why a build must not go to a target, unless a flag overrides it.

Everything is read from the build record (congressgen.record) that the build wrote: its
base_url, the draft reports it contains, its check outcome and the review problems an
--allow-unreviewed let through. Nothing is compiled here. Staleness is exact: every input is
hashed again and compared with the digests the build recorded (bytes, not dates).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from congressgen import record as records
from congressgen.config import SiteConfig
from congressgen.publish.targets import Target


@dataclass(frozen=True)
class Overrides:
    stale: bool = False
    check_errors: bool = False
    drafts: bool = False
    base_url: bool = False
    unreviewed: bool = False


@dataclass(frozen=True)
class Refusal:
    reason: str          # the Overrides field that lets it through
    flag: str            # the option that overrides it
    message: str


class PublishRefused(Exception):
    def __init__(self, refusals: list[Refusal]):
        self.refusals = refusals
        super().__init__("\n".join(r.message for r in refusals))


def _local_time(stamp: str) -> str:
    try:
        return dt.datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return stamp


def _listed(items, limit: int, sep: str = "；") -> str:
    items = [str(i) for i in items]
    return sep.join(items[:limit]) + ("……" if len(items) > limit else "")


def stale_refusal(build: Path, config: SiteConfig, record: records.BuildRecord | None) -> Refusal | None:
    if record is None:
        return Refusal("stale", "--allow-stale",
                       f"找不到 {build} 的构建记录，无法确认它是由当前网站内容生成的"
                       f"（构建记录由 congressgen build 写在 {config.cache_dir}/{records.RECORDS_DIR}/ 中）。"
                       "请先运行 congressgen build 重新生成")
    changes = records.changed_sources(config, record)
    built = f"而 {build} 生成于 {_local_time(record.time)}"
    if changes.changed:
        return Refusal("stale", "--allow-stale",
                       f"构建结果早于网站内容：{_listed(changes.changed, 3, '、')} 在构建之后有改动，{built}。"
                       "请先运行 congressgen build 重新生成")
    if changes.environment:
        return Refusal("stale", "--allow-stale",
                       f"构建结果早于网站内容：congressgen、所用的库或网站位置在构建之后有变化，{built}。"
                       "请先运行 congressgen build 重新生成")
    try:
        untouched = records.output_manifest(build) == record.outputs
    except OSError:
        untouched = False
    if not untouched:
        return Refusal("stale", "--allow-stale",
                       f"{build} 在构建之后被改动过（文件增删或修改），与构建记录不符。请运行 congressgen build 重新生成")
    return None


def preflight(build: Path, config: SiteConfig, target: Target,
              overrides: Overrides) -> tuple[list[Refusal], list[str], records.BuildRecord | None]:
    """(refusals not overridden, notes to show, the build record) for this build and target."""
    refusals: list[Refusal] = []
    notes: list[str] = []
    record = records.read_record(config, build)
    stale = stale_refusal(build, config, record)
    if stale is not None:
        refusals.append(stale)
    if record is None:
        notes.append("没有构建记录：未核对草稿、内容检查、三审三校与 base_url")
    else:
        refusals += record_refusals(record, config, target, overrides, notes)
    refusals += address_refusals(build, config)
    refused = [r for r in refusals if not getattr(overrides, r.reason, False)]
    for r in refusals:
        if r not in refused:
            notes.append(f"已按 {r.flag} 忽略：{r.message}")
    return refused, notes, record


def address_refusals(build: Path, config: SiteConfig) -> list[Refusal]:
    """A release may not drop an address the site has published (addresses.json) without a
    redirect or a withdrawal notice; there is no override (docs/document-life.md)."""
    from congressgen.model.ledger import dropped_refusals

    return [Refusal("dropped_address", "", message) for message in dropped_refusals(build, config.root)]


def record_refusals(record: records.BuildRecord, config: SiteConfig, target: Target, overrides: Overrides,
                    notes: list[str]) -> list[Refusal]:
    refusals = []
    if overrides.check_errors:
        notes.append("已按 --allow-check-errors 跳过内容检查")
    elif not record.check.ran:
        refusals.append(Refusal("check_errors", "--allow-check-errors",
                                "构建时加了 --no-check，未做内容检查（congressgen check 的错误级规则）。"
                                "请不加 --no-check 重新运行 congressgen build"))
    elif record.check.errors:
        refusals.append(Refusal("check_errors", "--allow-check-errors",
                                f"congressgen check 发现 {record.check.errors} 处错误。请修正并重新构建"))

    if record.empty_columns:   # 空白栏目, a 单项否决 item (docs/site-types.md)
        refusals.append(Refusal("check_errors", "--allow-check-errors",
                                f"{len(record.empty_columns)} 个栏目没有已发布的内容（空白栏目）："
                                f"{_listed(record.empty_columns, 5, '、')}。请发布内容，或从 congressgen.yaml 的 columns 中删去"))

    if record.draft_reports:
        refusals.append(Refusal("drafts", "--allow-drafts",
                                f"构建结果中包含 {len(record.draft_reports)} 篇草稿"
                                f"（{_listed(record.draft_reports, 5, '、')}），是用 --drafts 生成的。"
                                "请不加 --drafts 重新运行 congressgen build"))

    if record.unreviewed:
        refusals.append(Refusal("unreviewed", "--allow-unreviewed",
                                f"{len(record.unreviewed)} 处三审三校问题：{_listed(record.unreviewed, 3)}"))

    expected = target.base_url or config.base_url
    if record.base_url.rstrip("/") != expected.rstrip("/"):
        whose = f"发布目标 {target.name} 配置的网址" if target.base_url else "congressgen.yaml 中的 base_url"
        refusals.append(Refusal("base_url", "--allow-base-url",
                                f"构建使用的网址是 {record.base_url}，而{whose}是 {expected}。"
                                f"请运行 congressgen build --base-url {expected} 重新生成"))
    return refusals
