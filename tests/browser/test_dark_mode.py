"""The panel and the log in Wagtail's dark theme, and the panel's controls for keyboard and screen
reader users, in the real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

from tests.factories import ChannelFactory, make_image, set_admin_preferences
from tests.testapp.models import ArticlePage
from wagtail_crosspost.models import Channel, Publication

from .helpers import channel_row, choose_image, custom_text, open_editor

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# WCAG 2.1 AA: 4.5 for text, 3 for large text (24 px, or 18.66 px bold).
CONTRAST_OF_TEXT = """(root) => {
    const parse = (value) => {
        const nums = (value.match(/[\\d.]+/g) || []).map(Number);
        if (value.startsWith('color(srgb')) {
            nums.splice(0, 3, ...nums.slice(0, 3).map((n) => n * 255));
        }
        return {r: nums[0], g: nums[1], b: nums[2], a: nums.length > 3 ? nums[3] : 1};
    };
    const over = (top, bottom) => ({
        r: top.r * top.a + bottom.r * (1 - top.a),
        g: top.g * top.a + bottom.g * (1 - top.a),
        b: top.b * top.a + bottom.b * (1 - top.a),
        a: 1,
    });
    const background = (el) => {
        const layers = [];
        for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
            const color = parse(getComputedStyle(node).backgroundColor);
            if (color.a > 0) layers.push(color);
            if (color.a === 1) break;
        }
        let result = {r: 255, g: 255, b: 255, a: 1};
        for (const layer of layers.reverse()) result = over(layer, result);
        return result;
    };
    const luminance = ({r, g, b}) => {
        const [R, G, B] = [r, g, b].map((v) => {
            const c = v / 255;
            return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * R + 0.7152 * G + 0.0722 * B;
    };
    const results = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!node.textContent.trim() || seen.has(el) || !el.checkVisibility()) continue;
        if (el.closest('script, style, [hidden], .w-sr-only, .visually-hidden')) continue;
        seen.add(el);
        const style = getComputedStyle(el);
        const bg = background(el);
        const fg = over(parse(style.color), bg);
        const [L1, L2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
        const size = parseFloat(style.fontSize);
        const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
        results.push({
            text: node.textContent.trim().slice(0, 50),
            element: el.tagName.toLowerCase() + (el.className ? '.' + String(el.className) : ''),
            ratio: Math.round(((L1 + 0.05) / (L2 + 0.05)) * 100) / 100,
            needed: large ? 3 : 4.5,
            color: style.color,
            background: `rgb(${Math.round(bg.r)}, ${Math.round(bg.g)}, ${Math.round(bg.b)})`,
        });
    }
    return results;
}"""


def unreadable(page, selector: str) -> list[dict]:
    """The texts under ``selector`` whose colour contrast is below WCAG AA."""
    results = page.locator(selector).first.evaluate(CONTRAST_OF_TEXT)
    assert results, f"no text found in {selector}"
    return [r for r in results if r["ratio"] < r["needed"]]


@pytest.fixture(params=["dark"])
def dark_admin(request, superuser):
    """The administrator, with the admin theme of the test's parameter (dark unless said)."""
    set_admin_preferences(superuser, theme=request.param)
    return superuser


@pytest.fixture
def panel_in_every_state(home, settings, live_server):
    """A page with channels in every state the panel shows: ticked with a preview (within and
    over the limit), needing reconnect, dry run, and posts that went out or failed."""
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    image = make_image(1200, 630, color=(30, 90, 160), title="Open house")
    article = ArticlePage(title="Open house", intro="Visit our factory.", image=image, live=False)
    home.add_child(instance=article)
    article.save_revision().publish()
    alpha = ChannelFactory(name="Alpha", dry_run=True)
    toot = ChannelFactory(
        name="Toot", platform="mastodon", options={"server_url": "https://m.example"}
    )
    stale = ChannelFactory(name="Stale")
    stale.mark(Channel.Status.NEEDS_RECONNECT, "The token expired.")
    Publication.objects.create(
        page=article,
        page_title=article.title,
        channel=alpha,
        status=Publication.Status.POSTED,
        remote_url="https://locmem.invalid/1",
    )
    Publication.objects.create(
        page=article,
        page_title=article.title,
        channel=toot,
        status=Publication.Status.FAILED,
        error="The platform refused the text.",
    )
    return article, alpha, toot


@pytest.mark.parametrize("dark_admin", ["dark", "light"], indirect=True)
def test_panel_is_readable_in_the_dark_theme(page, logged_in, dark_admin, panel_in_every_state):
    """And in the light one: the colours that work on dark must not break it."""
    article, alpha, toot = panel_in_every_state
    theme = UserProfile.get_for_user(dark_admin).theme
    logged_in(dark_admin)
    open_editor(page, article)
    expect(page.locator("html")).to_have_class(re.compile(rf"\bw-theme-{theme}\b"))

    alpha_row = channel_row(page, alpha)
    alpha_row.locator('input[name$="-enabled"]').check()
    custom_text(alpha_row).fill("Come and see us.")
    expect(alpha_row.locator("[data-crosspost-counter]")).to_have_attribute("data-state", "ok")
    toot_row = channel_row(page, toot)
    toot_row.locator('input[name$="-enabled"]').check()
    custom_text(toot_row).fill("word " * 120)
    expect(toot_row.locator("[data-crosspost-counter]")).to_have_attribute("data-state", "over")
    expect(toot_row.locator("[data-crosspost-warning]")).to_be_visible()
    expect(alpha_row.locator("[data-crosspost-preview-text]")).to_contain_text("Come and see us")
    choose_image(page, alpha_row, "Open house")

    checked = {r["text"] for r in page.locator(".crosspost-panel").evaluate(CONTRAST_OF_TEXT)}
    for text in ("Alpha", "In-memory (tests)", "Come and see us.", "/ 500", "Posted", "Failed"):
        assert any(text in t for t in checked), f"{text!r} was not checked"
    assert unreadable(page, ".crosspost-panel") == []


def test_log_is_readable_in_the_dark_theme(page, logged_in, dark_admin, panel_in_every_state):
    article, alpha, toot = panel_in_every_state
    Publication.objects.filter(channel=alpha).update(
        sent_text="Open house",
        sent_media=[
            {
                "filename": "image-1.jpg",
                "mime_type": "image/jpeg",
                "width": 1200,
                "height": 630,
                "bytes": 40_000,
                "alt_text": "A blue square",
                "url": "",
            }
        ],
    )
    logged_in(dark_admin)
    page.goto("/admin/wagtail_crosspost_log/")
    expect(page.locator("html")).to_have_class(re.compile(r"\bw-theme-dark\b"))
    expect(page.locator("table.listing tbody tr")).to_have_count(2)
    assert unreadable(page, "table.listing") == []

    page.locator("table.listing tbody tr", has_text="Alpha").get_by_role(
        "link", name="Open house"
    ).click()
    expect(page.locator("main")).to_contain_text("A blue square")
    assert unreadable(page, "main") == []


def test_every_control_in_the_panel_has_a_name(page, logged_in, superuser, panel_in_every_state):
    """Keyboard and screen reader users: each control says what it is for, in its row."""
    article, alpha, toot = panel_in_every_state
    logged_in(superuser)
    open_editor(page, article)
    panel = page.locator(".crosspost-panel")
    for row in panel.locator("[data-crosspost-row]").all():
        summary = row.locator("details.crosspost-message > summary")
        if summary.count() and row.locator("details[open]").count() == 0:
            summary.click()
    controls = panel.locator(
        "input:not([type=hidden]):visible, textarea:visible, button:visible, "
        "summary:visible, a[href]:visible"
    )
    assert controls.count() >= 10
    for control in controls.all():
        expect(control).to_have_accessible_name(re.compile(r"\S"))

    # The image chooser is named by its row, so one "Choose an image" is told from another.
    alpha_row = channel_row(page, alpha)
    group = alpha_row.get_by_role("group", name=re.compile(r"^Alpha Image for this channel"))
    expect(group).to_be_visible()
    expect(group.get_by_role("button", name="Choose an image")).to_be_visible()
    expect(alpha_row.get_by_role("textbox", name="Custom text (optional)")).to_be_visible()
    expect(alpha_row.get_by_role("checkbox", name=re.compile(r"^Alpha"))).to_be_visible()

    # Reachable with the keyboard: Tab from the custom text reaches the chooser's button.
    alpha_row.get_by_role("textbox", name="Custom text (optional)").focus()
    chooser_button = group.get_by_role("button", name="Choose an image")
    for _ in range(5):
        page.keyboard.press("Tab")
        if chooser_button.evaluate("(el) => el === document.activeElement"):
            break
    expect(chooser_button).to_be_focused()
    page.keyboard.press("Enter")
    modal = page.locator(".modal-dialog")
    expect(modal.get_by_role("heading", name="Choose an image")).to_be_visible()
    modal.get_by_role("button", name="Close").click()
    expect(modal).to_be_hidden()
