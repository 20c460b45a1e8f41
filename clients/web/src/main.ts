/** Entry point: build the viewer, expose the read-only test hook, start the loop. */
import "./style.css";
import { installTestHook } from "./testHook";
import { Viewer } from "./viewer";

const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app element");
try {
  const viewer = new Viewer(root);
  installTestHook(viewer);
  viewer.start();
} catch (err) {
  // Without WebGL there is no scene; say so instead of leaving a blank page.
  const box = document.createElement("div");
  box.className = "error-banner";
  box.dataset.testid = "error-banner";
  box.setAttribute("role", "alert");
  box.textContent = `The viewer could not start: ${(err as Error).message}. It needs a browser with WebGL enabled.`;
  root.replaceChildren(box);
}
