"""The course's front door: README's `jupyter lab` command serves the course, and lesson 0 renders cleanly."""

import html
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import nbformat
import pytest
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_notebook, new_output
from support import ROOT

pytestmark = pytest.mark.slow   # runs notebooks or servers: skipped by -m "not slow"

REPO = ROOT
LESSON_0 = REPO / "notebooks" / "00_setup_and_tasks.ipynb"
COURSE_FOLDERS = ("notebooks", "exercises", "solutions")
# nbconvert 7 renders error outputs and stderr streams alike as this element (checked by test 3).
ERROR_OUTPUT = re.compile(r'<div class="jp-RenderedText[^"]*" data-mime-type="application/vnd\.jupyter\.stderr"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # report the 302 itself instead of following it


def _request(url, token=None, method="GET"):
    """(status, headers, body) of one HTTP request, redirects not followed."""
    headers = {"Authorization": f"token {token}"} if token else {}
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def jupyter_lab(tmp_path):
    """A headless JupyterLab on the repo root, its state kept in tmp_path; yields (url, token, process)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config")}
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={REPO}",
               f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
               f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
               "--ServerApp.allow_root=True"]  # CI containers run as root; refused otherwise
    log_path = tmp_path / "jupyter.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {process.returncode}:\n"
                            f"{log_path.read_text(errors='replace')[-3000:]}")
            try:
                if _request(f"{url}/api/status", token)[0] == 200:
                    break
            except OSError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer in 60 s:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
        yield url, token, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_jupyterlab_serves_the_course(jupyter_lab):
    """README's `jupyter lab` starts on the repo, lists every notebook of notebooks/, exercises/ and
    solutions/, serves the Lab UI (page and its JavaScript bundle), refuses anyone without the token,
    and shuts down cleanly on request."""
    url, token, process = jupyter_lab
    for folder in COURSE_FOLDERS:
        status, _, body = _request(f"{url}/api/contents/{folder}", token)
        assert status == 200, body
        listed = {item["name"] for item in json.loads(body)["content"] if item["type"] == "notebook"}
        assert listed == {path.name for path in (REPO / folder).glob("*.ipynb")}, folder

    for page in ("/lab", f"/lab/tree/{LESSON_0.relative_to(REPO).as_posix()}"):
        status, _, body = _request(url + page, token)
        assert status == 200 and b"<title>JupyterLab</title>" in body, (page, status)
    bundle = re.search(rb'src="([^"]*/main\.[0-9a-f]+\.js)', body).group(1).decode()
    assert _request(url + bundle, token)[0] == 200, bundle

    status, _, _ = _request(f"{url}/api/contents/notebooks")  # no token: API refuses
    assert status == 403
    status, headers, _ = _request(f"{url}/lab")  # no token: UI sends the browser to the login page
    assert status == 302 and headers["Location"].startswith("/login?next=")

    assert _request(f"{url}/api/shutdown", token, method="POST")[0] == 200
    assert process.wait(timeout=30) == 0


def _render(notebook):
    """HTML of a notebook's stored outputs, as nbconvert shows them (nothing is executed)."""
    return HTMLExporter().from_notebook_node(notebook)[0]


def test_lesson_0_renders_without_error_outputs():
    """Lesson 0's stored outputs (what learners see before running anything) render to HTML with its
    title, every code cell and every figure, and none of them is an error or a stderr message."""
    notebook = nbformat.read(LESSON_0, as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    outputs = [output for cell in code_cells for output in cell.outputs]
    assert outputs, "no stored outputs: run scripts/refresh_outputs.py notebooks/00_setup_and_tasks.ipynb"
    errors = [output for output in outputs if output.output_type == "error"
              or (output.output_type == "stream" and output.name == "stderr")]
    assert not errors, errors

    page = _render(notebook)
    first_markdown = next(cell for cell in notebook.cells if cell.cell_type == "markdown")
    title = first_markdown.source.splitlines()[0].lstrip("#").strip()
    assert re.search(rf"<h1[^>]*>{re.escape(html.escape(title, quote=False))}", page), title
    assert len(re.findall(r'<div class="jp-Cell jp-CodeCell', page)) == len(code_cells)
    figures = sum("image/png" in output.get("data", {}) for output in outputs)
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', page)) == figures > 0
    assert not ERROR_OUTPUT.search(page)


@pytest.mark.parametrize("output, is_error", [
    (new_output("error", ename="ValueError", evalue="boom", traceback=["ValueError: boom"]), True),
    (new_output("stream", name="stderr", text="a warning\n"), True),
    (new_output("stream", name="stdout", text="fine\n"), False),
    (new_output("execute_result", data={"text/plain": "3"}, execution_count=1), False),
], ids=["error", "stderr", "stdout", "result"])
def test_error_output_detector(output, is_error):
    """The HTML check in the lesson-0 test fires on a rendered error or stderr output, and only then."""
    page = _render(new_notebook(cells=[new_code_cell("x", outputs=[output])]))
    assert bool(ERROR_OUTPUT.search(page)) is is_error


def _chromium():
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_lesson_1_renders_in_a_real_browser(jupyter_lab, tmp_path):
    """JupyterLab in headless Chromium, on lesson 1: the page shows the lesson's title, its stored
    plot as an image and its stored outputs, and no error output. (CI installs Debian's chromium;
    elsewhere the test is skipped without it.)"""
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Chromium for this test: apt-get install chromium (see .ci/run).")
        pytest.skip("No Chromium here: install it (Debian: apt-get install chromium) to run this test.")
    url, token, _ = jupyter_lab
    page = f"{url}/lab/tree/notebooks/01_frozen_feature_extraction.ipynb?token={token}"
    done = subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'chrome'}",
                           "--virtual-time-budget=30000", "--dump-dom", page],
                          capture_output=True, text=True, timeout=180)
    dom = done.stdout
    assert "Lesson 1 — Frozen feature extraction" in dom, (done.returncode, done.stderr[-2000:])
    assert re.search(r'<img[^>]*src="data:image/png', dom), "the stored plot is not shown as an image"
    assert len(re.findall(r'class="[^"]*jp-OutputArea-output', dom)) >= 5, "the stored outputs are not rendered"
    assert not ERROR_OUTPUT.search(dom), "an error or stderr output is rendered"
