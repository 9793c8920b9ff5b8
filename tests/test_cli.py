import subprocess
import sys

from skfer.cli import main


def test_demo_runs_end_to_end(tmp_path, capsys):
    code = main(["demo", "--n-source", "140", "--n-target", "40", "--epochs", "2",
                 "--target-epochs", "2", "--output", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "scratch" in out and "fine-tuned" in out
    assert (tmp_path / "source.safetensors").is_file()


def test_python_dash_m_entry_point_and_usage_errors():
    res = subprocess.run([sys.executable, "-m", "skfer", "--help"],
                         capture_output=True, text=True)
    assert res.returncode == 0 and "demo" in res.stdout
    res = subprocess.run([sys.executable, "-m", "skfer", "nope"],
                         capture_output=True, text=True)
    assert res.returncode == 2 and "invalid choice" in res.stderr
