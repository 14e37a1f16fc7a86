"""The dashboard in a real browser: Debian's chromium, headless, driven by chromedriver through selenium,
against `ganforge serve` while a run trains. Checks that the curves are drawn, that a new step appears
without a reload, that the slider changes the grid, that the sampling panel returns a grid and that the 2D
view draws, and that a drawing made with the mouse on the Translate panel comes back translated; a
screenshot of each view goes to $GANFORGE_ARTIFACTS (default build/test-artifacts/serve)."""
import json
import os
import subprocess
import time
import unittest

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from serve_fixture import BIN, RUNS, SRC, Server, make_runs, remove, temp_root, train_args

ARTIFACTS = os.environ.get("GANFORGE_ARTIFACTS", os.path.join(SRC, "build", "test-artifacts", "serve"))

# Pixels of a canvas that are not blank (alpha > 0 and not white).
INKED = """
const c = arguments[0], ctx = c.getContext('2d');
const d = ctx.getImageData(0, 0, c.width, c.height).data;
let n = 0;
for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250)) ++n;
return n;
"""


class Browser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        os.makedirs(ARTIFACTS, exist_ok=True)
        cls.root = temp_root()
        make_runs(cls.root, ["ring", "digits", "sketches"])
        # The run that trains while the page is open: small steps logged often, grids every 40 steps.
        config, *sets = RUNS["digits"]
        sets = [s for s in sets if not s.startswith(("train.steps", "train.log_every", "train.sample_every"))]
        cls.trainer = subprocess.Popen(
            train_args(config, sets + ["train.steps=3000", "train.log_every=5", "train.sample_every=40"],
                       os.path.join(cls.root, "live")),
            cwd=SRC, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.server = Server(cls.root)
        options = webdriver.ChromeOptions()
        for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1500,1000"]:
            options.add_argument(a)
        options.binary_location = "/usr/bin/chromium"
        cls.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        cls.driver.set_page_load_timeout(60)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.trainer.kill()
        cls.trainer.wait()
        cls.server.stop()
        remove(cls.root)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def wait(self, condition, timeout=60, what=""):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.2).until(lambda d: condition(), what)

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(ARTIFACTS, name + ".png"))

    def open_run(self, name, tab):
        self.driver.get(self.server.url)
        self.wait(lambda: self.js("return typeof state !== 'undefined' && state.order.length >= 2"), what="runs list")
        self.wait(lambda: self.driver.find_elements(By.CSS_SELECTOR, "#runs tr[data-run='%s'] a" % name), what=name)
        self.driver.find_element(By.CSS_SELECTOR, "#runs tr[data-run='%s'] a" % name).click()
        self.wait(lambda: self.js("return state.focus") == name and self.js("return !!(state.runs[arguments[0]].checkpoint_list)", name))
        self.driver.find_element(By.CSS_SELECTOR, "#tabs button[data-tab='%s']" % tab).click()

    def test_1_curves_live(self):
        # The live run must exist with a few steps before the page opens.
        self.wait(lambda: os.path.exists(os.path.join(self.root, "live", "metrics.jsonl")), 120, "the run started")
        self.open_run("live", "curves")
        loss = self.driver.find_element(By.CSS_SELECTOR, "canvas[data-metric='loss_d']")
        self.wait(lambda: self.js(INKED, loss) > 500, what="loss_d drawn")
        self.wait(lambda: self.js("return document.getElementById('live').className") == "live on", what="live stream open")
        first = self.js("const l = state.data.live.lines; return l.length ? l[l.length - 1].step : 0")
        # No reload: the page's own state grows from the stream.
        self.wait(lambda: self.js("const l = state.data.live.lines; return l[l.length - 1].step") > first, 90, "a new step")
        last = self.js("const l = state.data.live.lines; return l[l.length - 1].step")
        self.assertGreater(last, first)
        # The runs table follows too (its refresh is throttled, never starved by a run that changes all the time).
        cell = "return document.querySelector(\"#runs tr[data-run='live'] td:nth-child(5)\").textContent"
        shown = self.js(cell)
        self.wait(lambda: self.js(cell) != shown, 30, "the runs table's step moves")
        self.assertEqual(self.js("return Chart.getChart(arguments[0]).data.datasets[0].data.length", loss),
                         self.js("return state.data.live.lines.length"))
        self.shot("curves")

    def test_2_samples_slider(self):
        self.wait(lambda: len(os.listdir(os.path.join(self.root, "live", "samples"))) >= 2, 120, "two grids")
        self.open_run("live", "samples")
        img = self.driver.find_element(By.ID, "grid-image")
        self.wait(lambda: self.js("return arguments[0].complete && arguments[0].naturalWidth > 0", img), what="grid shown")
        before = img.get_attribute("src")
        self.js("const s = document.getElementById('grid-slider'); s.value = 0; s.dispatchEvent(new Event('input'));")
        self.wait(lambda: img.get_attribute("src") != before, what="slider changes the image")
        self.wait(lambda: self.js("return arguments[0].complete && arguments[0].naturalWidth > 0", img))
        self.assertIn("/grid/40.png", img.get_attribute("src"))
        self.shot("samples")
        # A finished run, focused while another trains: the runs list the page refreshes after each change of
        # the training run must not drop the focused run's grids.
        self.open_run("digits", "curves")
        time.sleep(2.5)  # past a few list refreshes (1 s after the training run's events)
        self.driver.find_element(By.CSS_SELECTOR, "#tabs button[data-tab='samples']").click()
        img = self.driver.find_element(By.ID, "grid-image")
        self.wait(lambda: self.js("return arguments[0].complete && arguments[0].naturalWidth > 0", img), 10,
                  "grid shown after the list refresh")

    def test_3_sampling_panel(self):
        self.open_run("digits", "play")
        self.driver.find_element(By.ID, "play-seed").clear()
        self.driver.find_element(By.ID, "play-seed").send_keys("5")
        self.driver.find_element(By.ID, "play-draw").click()
        img = self.driver.find_element(By.ID, "play-image")
        self.wait(lambda: self.js("return arguments[0].src.startsWith('blob:') && arguments[0].complete && arguments[0].naturalWidth > 0", img),
                  what="a sampled grid")
        self.assertEqual(self.js("return arguments[0].naturalWidth", img), 242)  # 8 x 8 cells of 28 + 2 px padding
        self.driver.find_element(By.ID, "interp-draw").click()
        interp = self.driver.find_element(By.ID, "interp-image")
        self.wait(lambda: self.js("return arguments[0].src.startsWith('blob:') && arguments[0].naturalWidth > 0", interp))
        self.assertEqual(self.driver.find_element(By.ID, "play-error").text, "")
        self.shot("generator")

    def test_4_toy_view(self):
        self.open_run("ring", "toy")
        canvas = self.driver.find_element(By.ID, "toy-canvas")
        self.wait(lambda: self.js("return Number(arguments[0].dataset.drawn || 0)", canvas) >= 1, what="2D view drawn")
        self.assertGreater(self.js(INKED, canvas), 10000)
        self.assertIn("of 8 modes covered", self.driver.find_element(By.ID, "toy-modes").text)
        self.shot("toy")

    def test_6_run_files_cannot_inject_script(self):
        # eval.jsonl is data: markup in it is shown as text, never run.
        evil = '<img src=x onerror="window.pwned=1">'
        with open(os.path.join(self.root, "digits", "eval.jsonl"), "w") as f:
            f.write(json.dumps({"step": 120, "n": 10, "generator": evil, "time": evil,
                                "generated": {"fid": 1.5}, "real_floor": {"fid": 0.5}}) + "\n")
        self.open_run("digits", "evals")
        self.wait(lambda: "1.500" in self.driver.find_element(By.ID, "evals").text, what="evaluations table")
        self.assertIn(evil, self.driver.find_element(By.ID, "evals").text)  # shown as text
        time.sleep(0.5)
        self.assertIsNone(self.js("return window.pwned"))
        self.shot("evaluations")

    def test_7_translate_a_mouse_drawing(self):
        from selenium.webdriver.common.action_chains import ActionChains
        self.open_run("sketches", "translate")
        canvas = self.driver.find_element(By.ID, "translate-canvas")
        self.assertEqual(self.js(INKED, canvas), 0, "a blank page to start")
        # A box drawn with the mouse: press, four strokes, release (offsets from the canvas's centre).
        chain = ActionChains(self.driver).move_to_element_with_offset(canvas, -60, -80).click_and_hold()
        for dx, dy in [(120, 0), (0, 160), (-120, 0), (0, -160)]:
            chain = chain.move_by_offset(dx, dy)
        chain.release().perform()
        self.assertGreater(self.js(INKED, canvas), 500, "the strokes are on the canvas")
        self.driver.find_element(By.ID, "translate-go").click()
        img = self.driver.find_element(By.ID, "translate-image")
        self.wait(lambda: self.js("return arguments[0].src.startsWith('blob:') && arguments[0].naturalWidth > 0", img),
                  what="translation shown")
        self.assertEqual(self.js("return [arguments[0].naturalWidth, arguments[0].naturalHeight]", img), [70, 36])
        self.assertEqual(self.driver.find_element(By.ID, "translate-error").text, "")
        # The sketch half carries the box: dark pixels where the strokes were shrunk to.
        dark = self.js("""
const im = arguments[0], c = document.createElement('canvas');
c.width = im.naturalWidth; c.height = im.naturalHeight;
const ctx = c.getContext('2d'); ctx.drawImage(im, 0, 0);
const d = ctx.getImageData(2, 2, 32, 32).data; let n = 0;
for (let i = 0; i < d.length; i += 4) if (d[i] < 128) ++n;
return n;""", img)
        self.assertGreater(dark, 40)
        self.shot("translate")
        # Cleared, the page is blank again and the server says so in one line.
        self.driver.find_element(By.ID, "translate-clear").click()
        self.driver.find_element(By.ID, "translate-go").click()
        self.wait(lambda: "no strokes" in self.driver.find_element(By.ID, "translate-error").text, what="blank refused")
        # A run that samples noise says what the panel is for.
        self.open_run("digits", "translate")
        self.assertIn("image-to-image runs", self.driver.find_element(By.ID, "translate-error").text)

    def test_5_report_opens_offline(self):
        out = os.path.join(self.root, "report.html")
        subprocess.run([BIN, "report", "--run", os.path.join(self.root, "digits"),
                        "--out", out], check=True, cwd=SRC, stdout=subprocess.DEVNULL)
        with open(out) as f:
            html = f.read()
        self.assertNotIn('src="http', html)  # nothing fetched: Chart.js and the grid are inlined
        self.assertIn("data:image/png;base64,", html)
        self.driver.get("file://" + out)
        loss = self.driver.find_element(By.CSS_SELECTOR, "canvas[data-metric='loss_d']")
        self.wait(lambda: self.js(INKED, loss) > 500, what="report curves drawn")
        img = self.driver.find_element(By.ID, "grid")
        self.assertGreater(self.js("return arguments[0].naturalWidth", img), 0)
        self.assertIn("step 120 of 120", self.driver.find_element(By.ID, "summary").text)
        self.shot("report")


if __name__ == "__main__":
    unittest.main()
