"""Configuration and front-matter parsing, including every kind of bad input."""

from pathlib import Path

import pytest

from congressgen.config import load_config
from congressgen.content import parse_source, read_source
from congressgen.errors import CongressError
from conftest import MINIMAL_CONFIG, write


def fm_of(raw: bytes, config):
    text, warnings = read_source(raw, "content/reports/a.md")
    fm, more = parse_source(text, config)
    return fm, warnings + more, text


@pytest.fixture
def config(site_dir):
    return load_config(site_dir)[0]


def test_config_loads_and_normalises(site_dir):
    config, warnings = load_config(site_dir)
    assert config.title == "测试县人大常委会"
    assert config.base_url == "https://rd.example.gov.cn/"
    assert [c.key for c in config.columns] == ["reports", "news"]
    assert config.footer.site_code == "0000000000"
    assert warnings == []


def test_config_base_url_with_path(site_dir):
    write(site_dir / "congressgen.yaml", MINIMAL_CONFIG.replace("https://rd.example.gov.cn/", "https://www.example.gov.cn/rd"))
    config, _ = load_config(site_dir)
    assert config.base_url == "https://www.example.gov.cn/rd/"
    assert config.base_path == "/rd/"
    assert config.absolute_url("reports/a.html") == "https://www.example.gov.cn/rd/reports/a.html"


def test_config_unknown_key_warns_with_line_and_suggestion(site_dir):
    write(site_dir / "congressgen.yaml", MINIMAL_CONFIG + "paginaton: 10\n")
    _, warnings = load_config(site_dir)
    assert len(warnings) == 1
    text = str(warnings[0])
    assert "congressgen.yaml:13:1" in text and "paginaton" in text and "pagination" in text


@pytest.mark.parametrize("line, message", [
    ("pagination: many\n", "pagination"),
    ("search: 1\n", "search"),
    ("base_url: rd.example.gov.cn\n", "base_url"),
    ("permalink: /{column}/x.html\n", "{id}"),
])
def test_config_wrong_types_are_errors_naming_key_and_line(site_dir, line, message):
    write(site_dir / "congressgen.yaml", MINIMAL_CONFIG + line)
    with pytest.raises(CongressError) as err:
        load_config(site_dir)
    assert "congressgen.yaml:13" in str(err.value)
    assert message in str(err.value)


def test_config_malformed_yaml_reports_line(site_dir):
    write(site_dir / "congressgen.yaml", "title: [未闭合\nbase_url: https://a.gov.cn/\n")
    with pytest.raises(CongressError) as err:
        load_config(site_dir)
    assert "congressgen.yaml:2:" in str(err.value)


def test_config_duplicate_key_is_an_error(site_dir):
    write(site_dir / "congressgen.yaml", MINIMAL_CONFIG + "title: 重复\n")
    with pytest.raises(CongressError, match="重复的键"):
        load_config(site_dir)


def test_missing_config_is_a_clear_error(tmp_path):
    with pytest.raises(CongressError, match="congressgen init"):
        load_config(tmp_path)


GOOD = "---\ntitle: 报告\ndate: 2024-04-26 09:30\nsession: 第十届人民代表大会第六次会议\ntags: [监督, 预算]\n---\n\n正文\n"


def test_front_matter_fields(config):
    fm, warnings, text = fm_of(GOOD.encode(), config)
    assert fm.title == "报告"
    assert fm.date.isoformat() == "2024-04-26T09:30:00+08:00" and fm.has_time
    assert fm.year == 2024 and fm.session.startswith("第十届")
    assert fm.tags == ("监督", "预算")
    assert fm.author == "测试县人大常委会办公室"  # the site's default 来源
    assert text.body_line == 7 and warnings == []


def test_bom_and_crlf_are_accepted(config):
    raw = b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode()
    fm, warnings, text = fm_of(raw, config)
    assert fm.title == "报告" and warnings == []
    assert "\r" not in text.body


def test_gbk_file_is_decoded_with_a_warning_never_mojibake(config):
    fm, warnings, text = fm_of(GOOD.replace("\n", "\r\n").encode("gb18030"), config)
    assert fm.title == "报告" and fm.session == "第十届人民代表大会第六次会议"
    assert len(warnings) == 1 and "GB18030" in warnings[0].message and "UTF-8" in warnings[0].message
    assert str(warnings[0].location) == "content/reports/a.md:1:1"


def test_undecodable_file_is_refused(config):
    with pytest.raises(CongressError, match="UTF-8"):
        fm_of(b"---\ntitle: \xff\xfe\xff\n---\n", config)


@pytest.mark.parametrize("front, where, message", [
    ("title: [未闭合\ndate: 2024-01-01\n", "a.md:3:", "格式错误"),
    ("date: 2024-01-01\n", "a.md:2:1", "title"),
    ("title: 报告\ndate: 2024-13-45\n", "a.md:3:1", "不是有效日期"),
    ("title: 报告\ndate: 明天\n", "a.md:3:1", "不是有效日期"),
    ("title: 报告\n", "a.md:2:1", "date"),
    ("title: 报告\ndate: 2024-01-01\ntags: 5\n", "a.md:4:1", "tags"),
    ("title: 报告\ndate: 2024-01-01\ndraft: 是\n", "a.md:4:1", "draft"),
    ("title: 报告\ndate: 2024-01-01\nyear: 二〇二四\n", "a.md:4:1", "year"),
    ("title: 报告\ndate: 2024-01-01\nid: ../../etc\n", "a.md:4:1", "id"),
    ("title: 报告\ndate: 2024-01-01\ntitle: 又一个\n", "a.md:4:1", "重复"),
    ("- 列表\n", "a.md:2:1", "映射"),
])
def test_bad_front_matter_names_file_line_and_column(config, front, where, message):
    with pytest.raises(CongressError) as err:
        fm_of(f"---\n{front}---\n正文\n".encode(), config)
    assert where in str(err.value)
    assert message in str(err.value)


def test_missing_front_matter_delimiters(config):
    with pytest.raises(CongressError, match="---"):
        fm_of("title: x\n".encode(), config)
    with pytest.raises(CongressError, match="第二个"):
        fm_of("---\ntitle: x\n".encode(), config)


def test_unknown_keys_are_kept_and_typos_warned(config):
    fm, warnings, _ = fm_of("---\ntitle: 报告\ndate: 2024-01-01\nsesion: 第一次会议\nspeaker: 张某\n---\n".encode(), config)
    assert fm.meta["speaker"] == "张某"
    assert len(warnings) == 1 and "sesion" in warnings[0].message and "session" in warnings[0].message
    assert str(warnings[0].location) == "content/reports/a.md:4:1"
