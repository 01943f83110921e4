"""Which user agents are not people reading a page: search engines, AI crawlers, link
previews, monitors and programs. Counts shown on a government page must be readers only.

Maintained here, in one list, with where each entry comes from; a site adds its own
tokens in `congressgen.yaml` (`stats: {bots: [...]}`), e.g. an inspection crawler whose
name it learns from its logs. Matching is a case-insensitive substring search, except
the generic words at the end: "bot" must end a word and not be the phone brand CUBOT
("CUBOT X19"), so that readers on such phones are not taken for robots.
"""

from __future__ import annotations

import re

# Search engines that index Chinese government sites (their published crawler names).
SEARCH_ENGINES = (
    "Baiduspider", "Sogou web spider", "Sogou inst spider", "Sogou Pic Spider", "360Spider",
    "HaosouSpider", "YisouSpider", "Bytespider", "PetalBot", "Googlebot", "bingbot", "BingPreview",
    "YandexBot", "YandexImages", "DuckDuckBot", "Applebot", "Slurp", "YoudaoBot", "EasouSpider",
    "Qwantify", "SeznamBot", "Mediapartners-Google", "AdsBot-Google", "Google-InspectionTool",
    "Storebot-Google", "GoogleOther", "Baidu-YunGuanCe", "Sosospider",
)
# AI and dataset crawlers.
AI_CRAWLERS = (
    "GPTBot", "ChatGPT-User", "OAI-SearchBot", "ClaudeBot", "Claude-Web", "anthropic-ai",
    "CCBot", "PerplexityBot", "Amazonbot", "Diffbot", "cohere-ai", "Meta-ExternalAgent",
    "ImagesiftBot", "Timpibot", "omgili",
)
# SEO tools, archives, link previews in chat apps, uptime monitors.
TOOLS = (
    "AhrefsBot", "SemrushBot", "MJ12bot", "DotBot", "BLEXBot", "DataForSeoBot", "serpstatbot",
    "ia_archiver", "archive.org_bot", "facebookexternalhit", "Twitterbot", "LinkedInBot",
    "Slackbot", "TelegramBot", "WhatsApp", "Discordbot", "SkypeUriPreview", "redditbot",
    "UptimeRobot", "Pingdom", "StatusCake", "Site24x7", "check_http", "Zabbix", "Prometheus",
    "Blackbox Exporter", "kube-probe", "ELB-HealthChecker", "Chrome-Lighthouse", "PTST",
    "HeadlessChrome", "PhantomJS", "Nutch", "Scrapy", "Jaunt", "SiteCheck",
)
# HTTP libraries and command-line programs: a person reading a page uses a browser.
PROGRAMS = (
    "curl/", "Wget/", "python-requests", "python-urllib", "Python/", "aiohttp", "httpx",
    "Go-http-client", "Java/", "Apache-HttpClient", "okhttp", "libwww-perl", "LWP::Simple",
    "node-fetch", "axios/", "undici", "Ruby", "PHP/", "Guzzle", "HTTPie", "PostmanRuntime",
    "Dalvik/",
)
# Generic words crawlers put in their names ("xxxbot/1.0", "xxx-crawler", "xxxspider").
GENERIC = (r"(?<!cu)bot\b", r"crawl", r"spider", r"scrap", r"fetcher", r"monitor", r"checker")

BOT_TOKENS = SEARCH_ENGINES + AI_CRAWLERS + TOOLS + PROGRAMS


def bot_pattern(extra: tuple[str, ...] = ()) -> re.Pattern[bytes]:
    """One compiled pattern over the raw user-agent bytes (no decoding on the hot path)."""
    literal = [re.escape(token.encode("utf-8")) for token in BOT_TOKENS + tuple(extra)]
    generic = [word.encode("ascii") for word in GENERIC]
    return re.compile(b"|".join(literal + generic), re.IGNORECASE)


def is_bot(user_agent: bytes, pattern: re.Pattern[bytes]) -> bool:
    """A missing or empty user agent ("-") is a program, not a reader."""
    ua = user_agent.strip()
    return ua in (b"", b"-") or pattern.search(ua) is not None
