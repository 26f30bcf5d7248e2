"""Every environment variable the code reads is in the README's configuration table."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READS = re.compile(r"""(?:os\.environ(?:\.get)?[\[(]|env_bool\(|env_list\(|_get\()\s*["']([A-Z][A-Z0-9_]+)["']""")


def variables_read_by_the_code() -> set[str]:
    sources = [ROOT / "config" / "settings.py", *ROOT.glob("*/conf.py")]
    return {name for path in sources for name in READS.findall(path.read_text())}


def test_every_variable_the_code_reads_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    read = variables_read_by_the_code()
    assert len(read) >= 40, sorted(read)
    assert read - documented == set(), f"add these to the README's configuration table: {sorted(read - documented)}"
