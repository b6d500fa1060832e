"""Drives claimcheck's web page in headless Chromium, as a journalist would.

Opens the page, pastes a draft, presses Check, waits for the marks, checks
that the contradicted figure is marked and that its evidence opens on click,
and saves a screenshot. Exits 0 when every step holds, 1 otherwise (with the
step that failed on stderr), 3 when Playwright or Chromium is missing.

    python3 tests/browser/check_page.py --url http://127.0.0.1:8080 \
        --draft draft.txt --figure 57 --screenshot target/page.png

Playwright drives the browser; Chromium is the system's (Debian's
`chromium` package), so nothing is downloaded at test time.
"""

import argparse
import shutil
import sys
import time


def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--draft", required=True, help="a UTF-8 file with the draft")
    parser.add_argument("--figure", required=True, help="the contradicted figure, as written in the draft")
    parser.add_argument("--screenshot", required=True)
    parser.add_argument("--documents-screenshot", help="also save the documents view here")
    args = parser.parse_args()

    try:
        from playwright.sync_api import sync_playwright, expect
    except ImportError:
        print("playwright is not installed (pip install playwright)", file=sys.stderr)
        return 3
    browser_path = chromium_path()
    if browser_path is None:
        print("no chromium on PATH (apt-get install chromium)", file=sys.stderr)
        return 3
    with open(args.draft, encoding="utf-8") as file:
        draft = file.read()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=browser_path, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(args.url)
        expect(page).to_have_title("claimcheck")

        page.get_by_label("Draft", exact=True).fill(draft)
        started = time.monotonic()
        page.get_by_role("button", name="Check", exact=True).click()
        marks = page.locator("#draft-view mark")
        expect(marks.first).to_be_visible(timeout=15000)
        print(f"marks shown {1000 * (time.monotonic() - started):.0f} ms after Check")

        refuted = page.locator("#draft-view mark.refuted")
        expect(refuted.first).to_be_visible()
        figure = page.locator("#draft-view mark.refuted [data-figure=contradicted]", has_text=args.figure)
        expect(figure).to_have_count(1)
        expect(page.locator("#draft-view mark.supported").first).to_be_visible()
        expect(page.locator("#draft-view mark.unknown").first).to_be_visible()
        expect(page.locator("#summary")).to_contain_text("contradicted")

        # The claim holding the figure opens its evidence on click ...
        claim = refuted.filter(
            has=page.locator("[data-figure=contradicted]", has_text=args.figure)
        )
        claim.click()
        evidence = page.locator("#evidence li")
        expect(evidence.first).to_be_visible()
        expect(page.locator("#details")).to_contain_text("Contradicted")
        expect(page.locator("#explanation")).not_to_be_empty()

        # ... and from the keyboard: focus a mark and press Enter.
        page.locator("#draft-view mark.supported").first.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#details .verdict")).to_have_text("Supported")
        # Back on the contradicted claim for the screenshot.
        claim.click()
        page.screenshot(path=args.screenshot, full_page=True)

        # The documents view lists what is stored.
        page.get_by_role("tab", name="Documents").click()
        expect(page.locator("#documents tr").first).to_be_visible()
        if args.documents_screenshot:
            page.screenshot(path=args.documents_screenshot, full_page=True)

        if errors:
            print("errors in the page: " + "; ".join(errors), file=sys.stderr)
            return 1
        browser.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as failure:  # an assertion, a timeout, a browser error
        print(f"the page failed a check: {failure}", file=sys.stderr)
        sys.exit(1)
