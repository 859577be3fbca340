from _support import REPO, run


def test_ruff_check(venv_python):
    result = run([venv_python, "-m", "ruff", "check", "--no-cache", "."])
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format(venv_python):
    result = run([venv_python, "-m", "ruff", "format", "--no-cache", "--check", "."])
    assert result.returncode == 0, result.stdout + result.stderr


def test_pylint_odoo_mandatory_checks(venv_python):
    result = run(
        [venv_python, "-m", "pylint", f"--rcfile={REPO / '.pylintrc-mandatory'}", "lead_refinery"]
    )
    assert result.returncode == 0, result.stdout + result.stderr
