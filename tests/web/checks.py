"""What every browser test may assert of a page: no serious or critical accessibility
violation (axe-core, vendored in tests/web/vendor from its npm package, run inside the page)
and no error in the browser's console (a failed resource load, a script error)."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")

_RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")) }));
}"""


async def axe_violations(page) -> list[dict]:
    """The page's serious and critical violations, as axe-core reports them. axe runs
    through the browser's debugging protocol, which the page's CSP does not restrict."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text())
    return [v for v in await page.evaluate(_RUN_AXE) if v["impact"] in BLOCKING]


async def assert_accessible(page) -> None:
    violations = await axe_violations(page)
    assert not violations, f"{page.url}: " + "; ".join(
        f"{v['id']} ({v['impact']}: {v['help']}) at {', '.join(v['nodes'])}" for v in violations)


def console_errors(page) -> list[str]:
    """A list that collects the page's console errors and uncaught exceptions from now on."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"{msg.text} ({msg.location.get('url')})")
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors
