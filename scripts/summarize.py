"""Add up pytest JUnit XML reports into the single closing line of the test command.

Usage: python summarize.py REPORT.xml [REPORT.xml ...]
Prints one line per report, then ``total: N passed, N failed, N skipped``.
A missing or unreadable report counts as one failure: a stage that crashed
before writing its report must not look green.
"""

import sys
import xml.etree.ElementTree as ET


def counts(path):
    """(passed, failed, skipped) of one JUnit XML report."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = failed = skipped = 0
    for suite in suites:
        total += int(suite.get("tests", 0))
        failed += int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped += int(suite.get("skipped", 0))
    return total - failed - skipped, failed, skipped


def main(paths):
    passed = failed = skipped = 0
    for path in paths:
        try:
            stage = counts(path)
        except (OSError, ET.ParseError) as error:
            print(f"{path}: no usable report ({error}); counted as 1 failure")
            stage = (0, 1, 0)
        print(f"  {path}: {stage[0]} passed, {stage[1]} failed, {stage[2]} skipped")
        passed, failed, skipped = passed + stage[0], failed + stage[1], skipped + stage[2]
    print(f"total: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
