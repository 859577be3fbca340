import re
import zipfile

from _support import REPO, run


def test_wheel_installs_the_addon_into_odoo_addons(venv_python, tmp_path):
    """`pip install .` must place the addon where Odoo looks: odoo/addons/lead_refinery."""
    result = run(
        [
            venv_python,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            ".",
        ]
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(name for name in names if name.endswith("METADATA"))
        requirements = archive.read(metadata).decode()
    for expected in (
        "odoo/addons/lead_refinery/__manifest__.py",
        "odoo/addons/lead_refinery/models/crm_lead.py",
        "odoo/addons/lead_refinery/lib/grading.py",
        "odoo/addons/lead_refinery/views/crm_lead_views.xml",
        "odoo/addons/lead_refinery/security/ir.model.access.csv",
        "odoo/addons/lead_refinery/data/crm_refinery_stage_data.xml",
    ):
        assert expected in names
    for dependency in ("rapidfuzz", "jellyfish", "phonenumbers", "cleanco"):
        assert f"Requires-Dist: {dependency}" in requirements


def test_every_odoo_test_module_is_imported_for_odoos_runner():
    """Odoo's own runner (odoo-bin --test-tags) only sees test modules tests/__init__ imports."""
    tests = REPO / "lead_refinery" / "tests"
    imported = set(re.findall(r"^from \. import (\w+)$", (tests / "__init__.py").read_text(), re.M))
    on_disk = {path.stem for path in tests.glob("test_*.py")}
    assert on_disk <= imported, f"not imported: {sorted(on_disk - imported)}"
