// Resident memory of Chromium's renderer processes (where a page and its dedicated workers run), from
// /proc: the browser process is found by something in its command line, its renderers by walking
// its descendants. Chromium rewrites its children's command lines into one space-separated string.
// Shared by test/web/browserHost.ts (the bench) and the UI test.
import { readFileSync, readdirSync } from 'node:fs';

function procs() {
  const out = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const ppid = Number(/^\S+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1]);
      out.push({ pid: Number(pid), ppid, cmd });
    } catch {
      /* gone */
    }
  }
  return out;
}

const isChild = (cmd) => /(^|[\s\0])--type=/.test(cmd);

/** The pid of the Chromium browser process whose command line contains `text`, or 0. */
export function chromiumBrowserPid(text) {
  return procs().find((p) => /chrom/i.test(p.cmd.split(/[\0 ]/)[0] ?? '') && p.cmd.includes(text) && !isChild(p.cmd))?.pid ?? 0;
}

/** The summed VmRSS in bytes of the renderer processes under `browserPid` (0 if there is none). */
export function rendererRss(browserPid) {
  const all = procs();
  const mine = new Set([browserPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  let kb = 0;
  for (const p of all) {
    if (p.pid === browserPid || !mine.has(p.pid) || !/(^|[\s\0])--type=renderer(\s|\0|$)/.test(p.cmd)) continue;
    try {
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return kb * 1024;
}
