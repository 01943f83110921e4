def test_demo_index_opens_in_chromium(demo_build, static_server, page):
    base = static_server(demo_build)
    page.goto(base + "index.html")
    assert "示例县人大常委会" in page.title()
    assert all(u.startswith("http://127.0.0.1") for u in page.requests_seen)
