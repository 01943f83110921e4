"""三审三校: review sign-offs recorded in a report's front matter, each bound to a
fingerprint of the text as approved.

The fingerprint covers the front matter without its `review` block plus the body, with line
endings and trailing spaces normalised, so re-saving a file on Windows does not void an
approval but changing one character of the title or body does. Recording a sign-off
rewrites only the `review:` block; every other byte of the file stays as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from congressgen.content import TZ, SourceText, decode, split_front_matter
from congressgen.errors import BuildFailed, CongressError, Diagnostic, Location
from congressgen.yamlpos import load_mapping

DEFAULT_STAGES = ("初审", "复审", "终审")


@dataclass(frozen=True)
class ReviewPolicy:
    required: bool = False
    stages: tuple[str, ...] = DEFAULT_STAGES
    show_on_page: bool = False

    @classmethod
    def from_config(cls, raw: dict, where: Location) -> "ReviewPolicy":
        unknown = set(raw) - {"required", "stages", "show_on_page"}
        if unknown:
            raise CongressError(where, f"review 配置中有未知的项：{', '.join(sorted(unknown))}")
        stages = raw.get("stages", DEFAULT_STAGES)
        if not isinstance(stages, (list, tuple)) or not stages or not all(isinstance(s, str) and s for s in stages):
            raise CongressError(where, "review.stages 应为审核环节名称的列表，如 [初审, 复审, 终审]")
        for key in ("required", "show_on_page"):
            if not isinstance(raw.get(key, False), bool):
                raise CongressError(where, f"review.{key} 应为 true 或 false")
        return cls(raw.get("required", False), tuple(stages), raw.get("show_on_page", False))


@dataclass(frozen=True)
class SignOff:
    stage: str
    by: str
    time: str
    fingerprint: str
    note: str = ""


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip("\n")


def fingerprint(front: dict, body: str) -> str:
    """sha256 of the front matter (less `review`) and the body, as a clerk would read them."""
    data = {k: v for k, v in front.items() if k != "review"}
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
    digest = hashlib.sha256((canonical + "\n\x00\n" + _normalise(body)).encode("utf-8")).hexdigest()
    return "sha256:" + digest


def sign_offs(raw_review, where: Location) -> list[SignOff]:
    result = []
    for item in raw_review or ():
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("stage", "by", "fingerprint")):
            raise CongressError(where, "review 列表的每一项需要 stage、by、time 和 fingerprint（请用 congressgen review 记录）")
        result.append(SignOff(item["stage"], item["by"], str(item.get("time", "")), item["fingerprint"],
                              str(item.get("note", "") or "")))
    return result


@dataclass(frozen=True)
class ReviewState:
    path: str
    signed: tuple[SignOff, ...]
    current: str                      # fingerprint of the text now

    def stale(self) -> list[SignOff]:
        return [s for s in self.signed if s.fingerprint != self.current]

    def missing(self, stages: tuple[str, ...]) -> list[str]:
        done = {s.stage for s in self.signed}
        return [s for s in stages if s not in done]


def state_of_compiled(compiled) -> ReviewState:
    """The review state of a compiled report (site.CompiledReport) without re-reading it."""
    where = Location(compiled.source, 1, 1)
    return ReviewState(compiled.source, tuple(sign_offs(compiled.fm.meta.get("review"), where)), compiled.fingerprint)


def state_of(source: SourceText) -> ReviewState:
    doc = load_mapping(source.front_text, source.path, line_offset=1, what="前置信息")
    where = doc.location(source.path, "review") if "review" in doc.data else Location(source.path, 1, 1)
    return ReviewState(source.path, tuple(sign_offs(doc.data.get("review"), where)),
                       fingerprint(doc.data, source.body))


def findings(state: ReviewState, policy: ReviewPolicy, review_line: int = 1) -> list[Diagnostic]:
    """What `check` and `build` report for a published report when review is required."""
    where = Location(state.path, review_line, 1)
    result = []
    for stage in state.missing(policy.stages):
        result.append(Diagnostic(where, f"尚未完成{stage}（三审三校）；请用 congressgen review {state.path} --stage {stage} --by 姓名 记录"))
    for s in state.stale():
        result.append(Diagnostic(where, f"{s.stage}后内容已修改：{s.stage}由 {s.by} 于 {s.time} 签署，此后正文或前置信息有改动，需重新审核"))
    return result


# --- recording a sign-off, touching nothing but the review block -----------------------------

_TOP_KEY = re.compile(r"^[^\s#\-][^:]*:")


def _review_block_span(lines: list[str], start: int, end: int) -> tuple[int, int] | None:
    """Line indices [first, last) of a top-level `review:` block inside the front matter."""
    for i in range(start, end):
        if re.match(r"^review\s*:", lines[i]):
            j = i + 1
            while j < end and not _TOP_KEY.match(lines[j]):
                j += 1
            return i, j
    return None


def _yaml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)   # a JSON string is a valid YAML double-quoted scalar


def render_block(entries: list[SignOff], newline: str) -> str:
    out = ["review:"]
    for s in entries:
        out.append(f"  - stage: {_yaml_string(s.stage)}")
        out.append(f"    by: {_yaml_string(s.by)}")
        out.append(f"    time: {_yaml_string(s.time)}")
        out.append(f"    fingerprint: {_yaml_string(s.fingerprint)}")
        if s.note:
            out.append(f"    note: {_yaml_string(s.note)}")
    return newline.join(out) + newline


def record(path: Path, shown: str, stage: str, by: str, policy: ReviewPolicy, *, note: str = "",
           force: bool = False, now: dt.datetime | None = None) -> SignOff:
    """Add (or with force, replace) one sign-off in the file's front matter."""
    if stage not in policy.stages:
        raise CongressError(Location(shown), f"未知的审核环节 “{stage}”；应为 {'、'.join(policy.stages)} 之一")
    if not by.strip():
        raise CongressError(Location(shown), "请用 --by 写明审核人姓名")
    raw = path.read_bytes()
    text, encoding, _ = decode(raw, shown)
    source = split_front_matter(text, shown, encoding)
    state = state_of(source)
    done = {s.stage: s for s in state.signed}
    index = policy.stages.index(stage)
    for earlier in policy.stages[:index]:
        if earlier not in done:
            raise CongressError(Location(shown), f"不能跳过{earlier}：请先完成{earlier}，再记录{stage}")
        if done[earlier].fingerprint != state.current:
            raise CongressError(Location(shown), f"{earlier}后内容已修改（{done[earlier].by} 于 {done[earlier].time} 签署），请先重新{earlier}")
    if stage in done and not force:
        raise CongressError(Location(shown), f"{stage}已由 {done[stage].by} 于 {done[stage].time} 记录；如需重新记录请加 --force")
    moment = (now or dt.datetime.now(TZ)).astimezone(TZ)
    sign = SignOff(stage, by.strip(), moment.strftime("%Y-%m-%d %H:%M"), state.current, note.strip())
    entries = [s for s in state.signed if s.stage != stage] + [sign]
    entries.sort(key=lambda s: policy.stages.index(s.stage) if s.stage in policy.stages else len(policy.stages))

    # Edit the original text (BOM, line endings and encoding as they were).
    bom = raw.startswith(b"\xef\xbb\xbf")
    original = raw[3:].decode("utf-8") if bom else raw.decode(encoding)
    newline = "\r\n" if "\r\n" in original else "\n"
    lines = original.split(newline)
    closing = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    block = render_block(entries, newline).split(newline)[:-1]
    span = _review_block_span(lines, 1, closing)
    if span:
        lines[span[0]:span[1]] = block
    else:
        lines[closing:closing] = block
    data = newline.join(lines).encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return sign


def gate(compiled: list, policy: ReviewPolicy) -> list[Diagnostic]:
    """Errors for every published (non-draft) report that lacks a stage or changed after one."""
    if not policy.required:
        return []
    result = []
    for item in compiled:
        if not item.fm.draft:
            result += findings(state_of_compiled(item), policy)
    return result


def build_gate(config, compiled: list, allow_unreviewed: bool, command: str = "build") -> list[Diagnostic]:
    """三审三校 for a build: refuse unapproved reports when the site requires review, unless
    overridden; an override is written to the site's audit log and returned as warnings."""
    problems = gate(compiled, ReviewPolicy.from_config(config.review, Location(config.path)))
    if not problems:
        return []
    if not allow_unreviewed:
        raise BuildFailed(problems)
    log = log_override(config.root, command, "--allow-unreviewed", problems)
    return [Diagnostic(d.location, d.message + f"（已按 --allow-unreviewed 继续，记录于 {log.name}）", "warning")
            for d in problems]


AUDIT_LOG = Path("logs") / "build-log.jsonl"


def log_override(root: Path, command: str, flag: str, problems: list[Diagnostic],
                 now: dt.datetime | None = None) -> Path:
    """Append an override of the review gate to the site's audit log (kept with the site,
    outside build/ so it is never published, and outside the folders `serve` watches)."""
    import getpass

    path = root / AUDIT_LOG
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        user = getpass.getuser()
    except Exception:  # no login name (some service accounts)
        user = ""
    entry = {"time": (now or dt.datetime.now(TZ)).isoformat(timespec="seconds"), "command": command,
             "flag": flag, "user": user, "problems": [str(p) for p in problems]}
    with path.open("a", encoding="utf-8", newline="\n") as log:
        log.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return path
