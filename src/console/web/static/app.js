// The console's shell: a hash router (#/page/arg?query) that renders one page
// module at a time and refreshes it on its own interval while it is shown.
import { errorBox } from './ui.js';
import * as overview from './overview.js';
import * as topics from './topics.js';
import * as messages from './messages.js';
import * as groups from './groups.js';
import * as throughput from './throughput.js';

const PAGES = { overview, topics, messages, groups, throughput };
const main = document.getElementById('page');
let current = null;

function parseHash() {
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [page = 'overview', ...args] = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  return { page: PAGES[page] ? page : 'overview', args, query: new URLSearchParams(search) };
}

async function show() {
  current?.stop();
  const route = parseHash();
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.page === route.page);
  const module = PAGES[route.page];
  let timer = null;
  let stopped = false;
  const refresh = async () => {
    try {
      const view = await module.render(route);
      if (stopped) return;
      if (view) main.replaceChildren(view);
      document.getElementById('status').textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      if (!stopped) main.replaceChildren(errorBox(e));
    }
  };
  // The next refresh is timed from the end of the last one, so a slow cluster never piles requests up.
  const loop = async () => {
    await refresh();
    if (module.refreshMs && !stopped) timer = setTimeout(loop, module.refreshMs);
  };
  current = { stop: () => { stopped = true; clearTimeout(timer); } };
  main.replaceChildren();
  await loop();
}

window.addEventListener('hashchange', show);
show();
