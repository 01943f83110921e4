"""Generate a benchmark corpus: N realistic ~15 KB Chinese work reports, laid out as a
congressgen site and as the equivalent Hugo, Pelican, MkDocs and Eleventy projects.

Every report has the GB/T 9704 outline (一、/（一）/1.), a review part and a task part
that restarts at 一、, 一是/二是 lead-ins, a table; about a third are pasted with headings
run into the paragraph ("一、坚持依法履职，全面加强监督工作。今年以来……"); one in a
hundred has two attachments in a bundle folder. The text is built from a fixed pool of
clauses with a seeded random generator, so the same N always gives the same bytes.

    python benchmarks/corpus.py 1000 /tmp/corpus          # writes /tmp/corpus/{congressgen,hugo,...}
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

TARGET_BYTES = 15_000
NUMERALS = "一二三四五六七八九十"
TOWNS = ["青山", "河西", "东湖", "南岭", "北塘", "白沙", "石桥", "柳湾", "新集", "金城", "云溪", "安平"]
BODIES = ["镇人大主席团", "镇人民政府", "县人大常委会", "乡人大主席团"]
TAGS = ["人大主席团", "工作报告", "民生实事", "代表建议", "预算审查", "乡村振兴", "依法履职",
        "营商环境", "生态环境", "基层治理", "代表履职", "监督工作", "政府工作报告", "平安建设"]

OPENERS = [
    "主席团始终坚持党对人大工作的全面领导", "一年来镇人大主席团紧紧围绕全镇中心工作",
    "我们坚持以人民为中心的发展思想", "镇人民政府在县委县政府和镇党委的坚强领导下",
    "主席团坚持把监督工作放在全镇发展大局中谋划推进", "今年以来各项工作取得新的进展",
    "我们自觉接受镇人大的法律监督和工作监督", "围绕“学思想、强党性、重实践、建新功”的总要求",
]
CLAUSES = [
    "组织代表开展专题视察{n}次", "深入村组企业开展调查研究{n}次", "提出意见建议{n}条",
    "听取和审议镇人民政府专项工作报告{n}项", "完成投资{n}万元", "新建污水处理设施{n}处",
    "惠及农户{n}余户", "化解各类矛盾纠纷{n}起", "发放各类救助资金{n}万元",
    "扎实推进乡村振兴", "持续优化营商环境", "依法开展执法检查", "认真办理代表建议",
    "坚持重大事项请示报告制度", "把有限的财力用在发展紧要处和民生关键处",
    "建立“一个项目、一名主席团成员、一个代表小组”的跟踪监督机制", "采取季度视察、现场督办、满意度测评等方式推进项目落实",
    "深化“一窗受理、集成服务”改革", "推动更多事项“网上办、掌上办、就近办”",
    "健全矛盾纠纷多元化解机制", "加强困难群众、残疾人、留守儿童等特殊群体关爱帮扶",
    "推进农村生活污水治理", "全面落实河长制、林长制", "做强蔬菜、水产两大主导产业",
    "推进农产品冷链物流中心建设", "加快工业功能区扩容提质", "支持企业技术改造和数字化转型",
    "持续开展“最美家庭”评选活动", "以文明乡风助推乡村全面振兴", "巩固提升农村人居环境整治成效",
    "严格落实重大行政决策程序", "加强合法性审查", "推进政务公开", "让权力在阳光下运行",
    "坚持政府过紧日子", "严控一般性支出", "把更多财力用于发展和民生", "常态化开展扫黑除恶斗争",
    "严厉打击电信网络诈骗等违法犯罪行为", "不断提升群众的安全感和满意度", "规范代表联络站建设",
    "组织代表进站接待选民{n}人次", "收集群众意见{n}条", "推动解决群众急难愁盼问题{n}件",
    "完成农村户厕改造{n}户", "实施农村公路提档升级{n}公里", "新增城镇就业{n}人",
    "开展职业技能培训{n}人次", "建成美丽乡村示范村{n}个", "培育专精特新企业{n}家",
    "确保人大工作始终坚持正确的政治方向", "努力做到监督有力、支持到位",
    "推动代表建议从“办理完”向“办得好”转变", "让老年人在家门口享受助餐、助浴、助医服务",
    "全年未发生较大及以上安全生产事故", "主要河道水质稳定达标", "城乡居民基本养老保险参保率稳定在百分之九十六以上",
    "调解成功率达到百分之九十八", "办结率、答复率均为百分之百", "“三公”经费支出同比下降百分之{p}",
    "地区生产总值增长百分之{p}左右", "一般公共预算收入增长百分之{p}", "农村居民人均可支配收入增长百分之{p}",
]
HEADINGS_REVIEW = [
    "旗帜鲜明讲政治，坚持党对人大工作的全面领导", "围绕中心抓监督，助推全镇经济社会高质量发展",
    "坚持依法履职，全面加强监督工作", "服务代表履职，充分发挥代表主体作用", "加强自身建设，提升履职能力水平",
    "坚持以人民为中心，民生福祉不断增进", "坚持统筹发展和安全，社会大局和谐稳定", "聚焦产业发展，经济运行稳中向好",
]
HEADINGS_TASK = [
    "坚持党的领导，确保人大工作正确方向", "聚焦发展大局，增强监督工作实效", "尊重代表主体地位，激发代表履职活力",
    "聚力产业转型，推动经济量质齐升", "聚力乡村振兴，建设宜居宜业和美乡村", "聚力民生保障，提升群众幸福指数",
    "聚力平安建设，守牢安全稳定底线", "加强政府自身建设",
]
SUBHEADINGS = [
    "做深做实预算审查监督", "全过程监督民生实事项目", "持续助推乡村振兴", "认真办理代表建议",
    "规范代表联络站建设", "加强代表学习培训", "推进农村人居环境整治", "提升基层治理水平",
]
PROJECTS = ["通村道路硬化提升", "集镇污水管网延伸", "中心幼儿园扩班改造", "居家养老服务站建设",
            "农村饮水安全巩固提升", "村级文化广场建设", "农贸市场提升改造", "主干道路灯安装"]
ENDINGS = [
    "各位代表，新的征程催人奋进，新的使命重任在肩。让我们更加紧密地团结在以习近平同志为核心的党中央周围，踔厉奋发、勇毅前行，为奋力建设现代化新{town}而努力奋斗！",
    "各位代表，做好新一年的工作，任务艰巨，使命光荣。让我们在镇党委的坚强领导下，紧紧依靠全镇人民，开拓进取、扎实工作，为推动{town}高质量发展作出新的更大贡献！",
]


@dataclass
class Report:
    column: str
    slug: str
    title: str
    date: dt.datetime
    year: int
    session: str
    author: str
    tags: list[str]
    body: str
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)   # (file name, title, bytes)


class Writer:
    """Seeded text generator: clauses → sentences → paragraphs."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def clause(self) -> str:
        r = self.rng
        return r.choice(CLAUSES).format(n=r.randint(2, 980), p=r.randint(3, 9))

    def sentence(self, opener: bool = False) -> str:
        parts = [self.rng.choice(OPENERS)] if opener else []
        parts += [self.clause() for _ in range(self.rng.randint(2, 4))]
        return "，".join(parts) + "。"

    def paragraph(self, sentences: int | None = None) -> str:
        count = sentences or self.rng.randint(3, 5)
        return "".join(self.sentence(opener=i == 0) for i in range(count))

    def leadins(self) -> str:
        count = self.rng.randint(3, 4)
        return "".join(f"{NUMERALS[i]}是{self.clause()}。{self.sentence()}" for i in range(count))

    def table(self) -> str:
        rows = ["| 序号 | 项目名称 | 计划投资（万元） | 实际完成（万元） | 完成情况 |", "|---|---|---|---|---|"]
        for i, name in enumerate(self.rng.sample(PROJECTS, 6), start=1):
            plan = self.rng.randint(80, 700)
            rows.append(f"| {i} | {name} | {plan} | {plan + self.rng.randint(-20, 30)} | 已完成 |")
        return "\n".join(rows)


def report_body(w: Writer, town: str, year: int, run_in: bool) -> str:
    r = w.rng
    blocks = [f"——{year}年1月{r.randint(10, 28)}日在{town}镇第十届人民代表大会第{r.randint(2, 6)}次会议上",
              "各位代表：", "现在，我代表主席团向大会报告工作，请予审议。", w.paragraph(4)]

    def section(index: int, title: str, with_table: bool, subsections: int) -> None:
        if run_in:   # pasted from Word: the heading is the first sentence of the paragraph
            blocks.append(f"{NUMERALS[index]}、{title}。{w.paragraph(3)}")
        else:
            blocks.append(f"{NUMERALS[index]}、{title}")
            blocks.append(w.paragraph())
        for sub in range(subsections):
            blocks.append(f"（{NUMERALS[sub]}）{r.choice(SUBHEADINGS)}")
            blocks.append(w.paragraph())
        if with_table:
            blocks.append(w.paragraph(2)[:-1] + "。具体完成情况如下：")
            blocks.append(w.table())
        blocks.append(w.leadins())

    review = r.sample(HEADINGS_REVIEW, 5)
    for i, title in enumerate(review):
        section(i, title, with_table=i == 1, subsections=2 if i in (1, 2) else 0)
    blocks.append(f"{NUMERALS[0]}、{year}年工作安排" if not run_in else f"{NUMERALS[0]}、{year}年工作安排。{w.paragraph(2)}")
    if not run_in:
        blocks.append(w.paragraph())
    for i, title in enumerate(r.sample(HEADINGS_TASK, 4), start=1):
        section(i, title, with_table=False, subsections=0)
        for item in range(1, 4):
            blocks.append(f"{item}. {w.clause()}，{w.clause()}。")
    blocks.append(r.choice(ENDINGS).format(town=town))
    return "\n\n".join(blocks)


def make_reports(count: int, seed: int = 2024) -> list[Report]:
    rng = random.Random(seed)
    w = Writer(rng)
    reports = []
    start = dt.datetime(2012, 1, 3, 9, 30)
    for i in range(count):
        town = TOWNS[i % len(TOWNS)]
        column = "news" if i % 5 == 4 else "reports"
        date = start + dt.timedelta(hours=int(i * 24 * 4900 / max(count, 1)) + (i % 7))
        year = date.year
        author = town + rng.choice(BODIES)[1:] if rng.random() < 0.5 else town + "镇人大主席团"
        run_in = i % 3 == 0
        title = f"{town}镇人民代表大会主席团工作报告（{year}年）第{i + 1}号" if column == "reports" else f"{town}镇人大主席团开展{rng.choice(SUBHEADINGS)}活动（{i + 1}）"
        body = report_body(w, town, year, run_in)
        while len(body.encode()) < TARGET_BYTES - 600:
            body += "\n\n" + w.paragraph()
        report = Report(column, f"r{i + 1:05d}", title, date, year, f"{town}镇第十届人民代表大会第{rng.randint(2, 6)}次会议",
                        author, sorted(rng.sample(TAGS, 3)), body)
        if i % 100 == 7:
            report.attachments = [
                (f"{year}年民生实事项目表.csv", f"{year}年民生实事项目表",
                 ("序号,项目名称,计划投资（万元）\n" + "\n".join(f"{k},{p},{100 + k * 37}" for k, p in enumerate(PROJECTS, 1))).encode()),
                ("代表建议办理情况说明.txt", "代表建议办理情况说明", (w.paragraph() + "\n").encode()),
            ]
        reports.append(report)
    return reports


# ------------------------------------------------------------------------------------------
# Layouts: one corpus, five projects


def _yaml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(t, ensure_ascii=False) for t in items) + "]"


def write_congressgen(reports: list[Report], root: Path) -> None:
    (root / "content").mkdir(parents=True)
    (root / "congressgen.yaml").write_text(textwrap.dedent("""\
        title: 基准测试县人大常委会
        base_url: https://rd.example.gov.cn/
        author: 基准测试县人大常委会办公室
        pagination: 20
        columns:
          reports: {title: 工作报告}
          news: {title: 人大动态}
        footer:
          organizer: 基准测试县人大常委会办公室
          phone: 0000-0000000
          site_code: "0000000000"
          icp: 测ICP备00000000号-1
          police_record: 测公网安备00000000000000号
        """), encoding="utf-8")
    for r in reports:
        folder = root / "content" / r.column
        folder.mkdir(exist_ok=True)
        fm = [f"title: {r.title}", f"date: {r.date:%Y-%m-%d %H:%M}", f"year: {r.year}", f"session: {r.session}",
              f"author: {r.author}", f"tags: {_yaml_list(r.tags)}", f"id: {r.slug}"]
        if r.attachments:
            fm.append("attachments:")
            bundle = folder / r.slug
            bundle.mkdir()
            for name, title, data in r.attachments:
                (bundle / name).write_bytes(data)
                fm.append(f"  - {{file: {r.slug}/{name}, title: {title}}}")
        (folder / f"{r.slug}.md").write_text("---\n" + "\n".join(fm) + "\n---\n\n" + r.body + "\n", encoding="utf-8")


HUGO_LAYOUTS = {
    "_default/baseof.html": """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }} - {{ .Site.Title }}</title></head>
<body><header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a><nav>{{ range .Site.Sections }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ end }}</nav></header>
<main>{{ block "main" . }}{{ end }}</main><footer>{{ .Site.Title }}</footer></body></html>
""",
    "_default/single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Date.Format "2006-01-02 15:04" }} 来源：{{ .Params.author }}</p>
<nav>{{ .TableOfContents }}</nav>{{ .Content }}
<p>{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }} {{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</p>
<aside><h2>推荐阅读</h2><ul>{{ range first 5 (.Site.RegularPages.Related .) }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></aside></article>{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range (.Paginate .Pages 20).Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>
{{ template "_internal/pagination.html" . }}{{ end }}
""",
    "_default/terms.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> {{ .Count }}</li>{{ end }}</ul>{{ end }}
""",
    "index.html": """{{ define "main" }}<ul>{{ range first 20 .Site.RegularPages.ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>{{ end }}
""",
}


def write_hugo(reports: list[Report], root: Path, related: bool = True) -> None:
    """`related=False`: the same site without the 推荐阅读 list on article pages (Hugo's
    `.Related` on every page is what makes it slow at several thousand pages)."""
    (root / "content").mkdir(parents=True)
    (root / "hugo.toml").write_text(textwrap.dedent("""\
        baseURL = "https://rd.example.gov.cn/"
        languageCode = "zh-CN"
        title = "基准测试县人大常委会"
        hasCJKLanguage = true
        [pagination]
          pagerSize = 20
        [taxonomies]
          tag = "tags"
          year = "years"
        [permalinks.page]
          reports = "/reports/:year:month/t:year:month:day-:slug.html"
          news = "/news/:year:month/t:year:month:day-:slug.html"
        [markup.goldmark.renderer]
          unsafe = true
        [related]
          includeNewer = true
          threshold = 80
          toLower = false
          [[related.indices]]
            name = "tags"
            weight = 100
        """), encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        if not related and name == "_default/single.html":
            text = text[:text.index("<aside>")] + "</article>{{ end }}\n"
        path = root / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for column, title in (("reports", "工作报告"), ("news", "人大动态")):
        (root / "content" / column).mkdir()
        (root / "content" / column / "_index.md").write_text(f"---\ntitle: {title}\n---\n", encoding="utf-8")
    for r in reports:
        fm = [f"title: {json.dumps(r.title, ensure_ascii=False)}", f"date: {r.date:%Y-%m-%dT%H:%M:00+08:00}",
              f"slug: {r.slug}", f"author: {r.author}", f"tags: {_yaml_list(r.tags)}", f"years: [\"{r.year}\"]"]
        (root / "content" / r.column / f"{r.slug}.md").write_text("---\n" + "\n".join(fm) + "\n---\n\n" + r.body + "\n",
                                                                  encoding="utf-8")


def write_pelican(reports: list[Report], root: Path) -> None:
    (root / "content").mkdir(parents=True)
    (root / "pelicanconf.py").write_text(textwrap.dedent("""\
        AUTHOR = "基准测试县人大常委会办公室"
        SITENAME = "基准测试县人大常委会"
        SITEURL = ""
        PATH = "content"
        TIMEZONE = "Asia/Shanghai"
        DEFAULT_LANG = "zh"
        DEFAULT_PAGINATION = 20
        ARTICLE_URL = ARTICLE_SAVE_AS = "{category}/{date:%Y%m}/t{date:%Y%m%d}_{slug}.html"
        FEED_ALL_ATOM = "feeds/all.atom.xml"
        CATEGORY_FEED_ATOM = None
        TRANSLATION_FEED_ATOM = None
        AUTHOR_FEED_ATOM = None
        AUTHOR_FEED_RSS = None
        CACHE_CONTENT = True
        LOAD_CONTENT_CACHE = True
        CACHE_PATH = "cache"
        DELETE_OUTPUT_DIRECTORY = False
        """), encoding="utf-8")
    for r in reports:
        folder = root / "content" / r.column
        folder.mkdir(exist_ok=True)
        meta = [f"Title: {r.title}", f"Date: {r.date:%Y-%m-%d %H:%M}", f"Category: {r.column}",
                f"Tags: {', '.join(r.tags)}", f"Slug: {r.slug}", f"Authors: {r.author}"]
        (folder / f"{r.slug}.md").write_text("\n".join(meta) + "\n\n" + r.body + "\n", encoding="utf-8")


def write_mkdocs(reports: list[Report], root: Path) -> None:
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(textwrap.dedent("""\
        site_name: 基准测试县人大常委会
        site_url: https://rd.example.gov.cn/
        markdown_extensions: [tables, toc, attr_list, footnotes]
        """), encoding="utf-8")
    (root / "docs" / "index.md").write_text("# 基准测试县人大常委会\n", encoding="utf-8")
    for r in reports:
        folder = root / "docs" / r.column
        folder.mkdir(exist_ok=True)
        fm = [f"title: {json.dumps(r.title, ensure_ascii=False)}", f"date: {r.date:%Y-%m-%d}", f"tags: {_yaml_list(r.tags)}"]
        (folder / f"{r.slug}.md").write_text("---\n" + "\n".join(fm) + "\n---\n\n# " + r.title + "\n\n" + r.body + "\n",
                                             encoding="utf-8")


ELEVENTY_FILES = {
    "eleventy.config.js": """module.exports = function (config) {
  return { dir: { input: "content", includes: "../_includes", output: "_site" }, markdownTemplateEngine: false };
};
""",
    "_includes/base.njk": """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><header><a href="/">基准测试县人大常委会</a></header><main>{{ content | safe }}</main></body></html>
""",
    "_includes/article.njk": """---
layout: base.njk
---
<article><h1>{{ title }}</h1><p>{{ page.date.toISOString() }} 来源：{{ author }}</p>{{ content | safe }}</article>
""",
    "content/index.njk": """---
layout: base.njk
pagination: {data: collections.report, size: 20, reverse: true}
permalink: "{% if pagination.pageNumber > 0 %}page/{{ pagination.pageNumber + 1 }}/{% endif %}index.html"
---
<ul>{% for item in pagination.items %}<li><a href="{{ item.url }}">{{ item.data.title }}</a></li>{% endfor %}</ul>
""",
}


def write_eleventy(reports: list[Report], root: Path) -> None:
    for name, text in ELEVENTY_FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for column in ("reports", "news"):
        (root / "content" / column).mkdir(parents=True, exist_ok=True)
        (root / "content" / column / f"{column}.11tydata.json").write_text(json.dumps({
            "layout": "article.njk", "tags": ["report"],
            "permalink": f"/{column}/{{{{ page.date | date: '%Y%m' }}}}/{{{{ page.fileSlug }}}}.html"}), encoding="utf-8")
    for r in reports:
        fm = [f"title: {json.dumps(r.title, ensure_ascii=False)}", f"date: {r.date:%Y-%m-%dT%H:%M:00+08:00}",
              f"author: {r.author}", f"permalink: /{r.column}/{r.date:%Y%m}/t{r.date:%Y%m%d}_{r.slug}.html"]
        (root / "content" / r.column / f"{r.slug}.md").write_text("---\n" + "\n".join(fm) + "\n---\n\n" + r.body + "\n",
                                                                  encoding="utf-8")


WRITERS = {"congressgen": write_congressgen, "hugo": write_hugo,
           "hugo-lite": lambda reports, root: write_hugo(reports, root, related=False),
           "pelican": write_pelican, "mkdocs": write_mkdocs, "eleventy": write_eleventy}


def generate(count: int, target: Path, tools=tuple(WRITERS), seed: int = 2024) -> dict[str, Path]:
    """Write the corpus for each tool under target/TOOL; returns the project folders."""
    reports = make_reports(count, seed)
    folders = {}
    for tool in tools:
        folder = target / tool
        if folder.exists():
            shutil.rmtree(folder)
        WRITERS[tool](reports, folder)
        folders[tool] = folder
    return folders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", type=int)
    parser.add_argument("target", type=Path)
    parser.add_argument("--tools", default=",".join(WRITERS), help="comma-separated: " + ",".join(WRITERS))
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    folders = generate(args.count, args.target, tuple(t for t in args.tools.split(",") if t), args.seed)
    for tool, folder in folders.items():
        print(f"{tool}: {folder}")


if __name__ == "__main__":
    main()
