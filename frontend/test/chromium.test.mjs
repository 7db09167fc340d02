// Which Chromium the browser tests use (no browser needed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { chromiumExecutable } from "./chromium.mjs";

test("CHROMIUM_PATH names the browser; CHROMIUM is an alias; Debian's is the default", () => {
  const cases = [
    [{}, "/usr/bin/chromium"],
    [{ CHROMIUM_PATH: "/opt/a" }, "/opt/a"],
    [{ CHROMIUM: "/opt/b" }, "/opt/b"],
    [{ CHROMIUM_PATH: "/opt/a", CHROMIUM: "/opt/b" }, "/opt/a"],
    [{ CHROMIUM_PATH: "", CHROMIUM: "/opt/b" }, "/opt/b"],
  ];
  for (const [env, want] of cases) assert.equal(chromiumExecutable(env), want, JSON.stringify(env));
});
