// The Chromium the browser tests drive: CHROMIUM_PATH, else CHROMIUM (the name
// the flow test used to read, still accepted), else Debian's /usr/bin/chromium.
export function chromiumExecutable(env = process.env) {
  return env.CHROMIUM_PATH || env.CHROMIUM || "/usr/bin/chromium";
}
